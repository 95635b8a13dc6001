package io.cellflow.monitor;

import io.cellflow.bpf.BpfException;
import io.cellflow.bpf.Native;
import io.cellflow.bpf.NetnsExecutor;
import io.cellflow.bpf.RingBufferPoller;
import io.cellflow.config.CellflowConfig;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The process-wide native machinery, created once: libc/libbpf bindings, the netns thread and the one ring-buffer
 * poller thread that serves every cell. If the host cannot provide them (no libbpf, not Linux) the service still
 * runs; {@link #unavailableReason()} says why and backends that need them fail with it.
 */
@ApplicationScoped
public class KernelRuntime {
    private static final Logger LOG = Logger.getLogger(KernelRuntime.class);

    private final Native nat;
    private final NetnsExecutor netns;
    private final RingBufferPoller poller;
    private final String unavailableReason;

    KernelRuntime(CellflowConfig config, MeterRegistry meters) {
        Native n = null;
        NetnsExecutor x = null;
        RingBufferPoller p = null;
        String why = null;
        try {
            n = Native.get();
            x = new NetnsExecutor(n);
            DistributionSummary batch = DistributionSummary.builder("cellflow.poller.batch.records")
                    .description("records drained per poller loop").register(meters);
            Timer loop = Timer.builder("cellflow.poller.loop").description("poller time per loop, excluding the wait")
                    .register(meters);
            p = new RingBufferPoller(n, config.poller().timeoutMs(), (records, nanos) -> {
                if (records > 0) {
                    batch.record(records);
                    loop.record(nanos, TimeUnit.NANOSECONDS);
                }
            });
        } catch (Native.NativeUnavailable | BpfException e) {
            why = e.getMessage();
            LOG.warnf("kernel backends unavailable on this host: %s", why);
            if (x != null) {
                x.close();
            }
        }
        this.nat = n;
        this.netns = why == null ? x : null;
        this.poller = p;
        this.unavailableReason = why;
    }

    /** {@code null} when the runtime is usable. */
    public String unavailableReason() {
        return unavailableReason;
    }

    public Native nat() {
        return nat;
    }

    public NetnsExecutor netns() {
        return netns;
    }

    public RingBufferPoller poller() {
        return poller;
    }

    /** Whether the poller thread runs: liveness. */
    public boolean pollerAlive() {
        return poller != null && poller.isAlive();
    }

    @PreDestroy
    void close() {
        if (poller != null) {
            poller.close();
        }
        if (netns != null) {
            netns.close();
        }
    }
}
