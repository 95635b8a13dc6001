package io.cellflow.monitor;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * The one thread that drains flow tables: the periodic drain of every cell ({@code cellflow.flows.drain-interval})
 * and the early drains a cell's {@link DrainPressure} asks for. One thread, so drains never compete with each
 * other for the CPU the poller also needs; an early drain waits at most for the drain running now.
 */
@ApplicationScoped
public class FlowDrains {
    private static final Logger LOG = Logger.getLogger(FlowDrains.class);

    private final AtomicInteger earlyWaiting = new AtomicInteger();
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "cellflow-drain");
        t.setDaemon(true);
        return t;
    });

    /**
     * Runs {@code drain} every {@code everyMillis}, the first time after one interval. At a fixed rate: a round
     * paces its events ({@link DrainPacer}), and that must not stretch the interval.
     */
    void everyAtFixedRate(long everyMillis, Runnable drain) {
        thread.scheduleAtFixedRate(drain, everyMillis, everyMillis, TimeUnit.MILLISECONDS);
    }

    /**
     * Queues one early drain of a cell; {@code done} runs after it, or right away if the service is shutting down.
     */
    void early(Runnable drain, Runnable done) {
        earlyWaiting.incrementAndGet();
        try {
            thread.execute(() -> {
                earlyWaiting.decrementAndGet();
                try {
                    drain.run();
                } catch (RuntimeException e) {
                    LOG.warnf(e, "early flow-table drain failed");
                } finally {
                    done.run();
                }
            });
        } catch (RejectedExecutionException shuttingDown) {
            earlyWaiting.decrementAndGet();
            done.run();
        }
    }

    /** Whether an early drain waits for the drain running now: a paced round should then stop pacing. */
    boolean earlyWaiting() {
        return earlyWaiting.get() > 0;
    }

    @PreDestroy
    void shutdown() {
        thread.shutdownNow();
    }
}
