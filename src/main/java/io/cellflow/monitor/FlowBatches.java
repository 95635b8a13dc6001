package io.cellflow.monitor;

import io.smallrye.mutiny.Multi;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.function.Function;

/**
 * The Mutiny bridge between the poller thread and one stream client: a {@link Multi} of batches drained from the
 * client's {@link FlowSubscription}. Demand drives it: each requested batch takes up to {@code maxBatch} items;
 * with nothing queued it parks, and the hub's wake-up (on the publishing thread, never blocking it) resumes it.
 * All draining and every signal runs on {@code executor} (for SSE: the connection's event loop), one task at a
 * time, so the subscriber sees a serial stream. Cancelling leaves the hub; what the client lost stays counted.
 */
public final class FlowBatches {
    private FlowBatches() {}

    /** @param subscribe subscribes to a hub or the all-cells stream with the given wake-up */
    public static Multi<List<StreamItem>> of(Function<Runnable, FlowSubscription> subscribe, Executor executor,
            int maxBatch) {
        return Multi.createFrom().publisher(subscriber -> {
            Pump pump = new Pump(subscriber, executor, maxBatch);
            pump.source = subscribe.apply(pump::wake);
            subscriber.onSubscribe(pump);
        });
    }

    private static final class Pump implements Flow.Subscription {
        private final Flow.Subscriber<? super List<StreamItem>> downstream;
        private final Executor executor;
        private final int maxBatch;
        private final Runnable drain = this::drain;
        private FlowSubscription source;
        private long demand; // touched on the executor only
        private volatile boolean stopped;

        Pump(Flow.Subscriber<? super List<StreamItem>> downstream, Executor executor, int maxBatch) {
            this.downstream = downstream;
            this.executor = executor;
            this.maxBatch = maxBatch;
        }

        void wake() {
            if (!stopped) {
                executor.execute(drain);
            }
        }

        @Override
        public void request(long n) {
            if (n <= 0) {
                cancel();
                downstream.onError(new IllegalArgumentException("request must be positive, got " + n));
                return;
            }
            executor.execute(() -> {
                demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
                drain();
            });
        }

        @Override
        public void cancel() {
            if (!stopped) {
                stopped = true;
                source.cancel();
            }
        }

        private void drain() {
            while (demand > 0 && !stopped) {
                List<StreamItem> batch = new ArrayList<>(Math.min(maxBatch, 64));
                FlowSubscription.Status status = source.drainTo(batch, maxBatch);
                if (!batch.isEmpty()) {
                    demand--;
                    downstream.onNext(batch);
                }
                if (status == FlowSubscription.Status.ENDED) {
                    stopped = true;
                    source.cancel();
                    downstream.onComplete();
                    return;
                }
                if (status == FlowSubscription.Status.PARKED) {
                    return; // the next item wakes us
                }
            }
        }
    }
}
