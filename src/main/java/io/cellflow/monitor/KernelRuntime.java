package io.cellflow.monitor;

import io.cellflow.bpf.BpfException;
import io.cellflow.bpf.BpfFeatureProbe;
import io.cellflow.bpf.FlowTableDrainer;
import io.cellflow.bpf.Native;
import io.cellflow.bpf.NetnsExecutor;
import io.cellflow.bpf.RingBufferPoller;
import io.cellflow.config.CellflowConfig;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The process-wide native machinery, created once: libc/libbpf bindings, the netns thread and the one ring-buffer
 * poller thread that serves every cell. If the host cannot provide them the service still runs:
 * {@link #unavailableReason()} (no libc: nothing works) and {@link #ebpfUnavailableReason()} (no libbpf, no
 * poller) say why, and the backends that need them fail with it.
 */
@ApplicationScoped
public class KernelRuntime {
    private static final Logger LOG = Logger.getLogger(KernelRuntime.class);

    private final Native nat;
    private final NetnsExecutor netns;
    private final RingBufferPoller poller;
    private final FlowTableDrainer drainer;
    private final String unavailableReason;
    private final String ebpfUnavailableReason;

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
        }
        this.nat = n;
        this.netns = x;
        this.poller = p;
        this.drainer = n != null && n.libbpfMissing() == null ? new FlowTableDrainer(n) : null;
        if (drainer != null) {
            FunctionCounter.builder("cellflow.drain.entries", drainer, FlowTableDrainer::drainedEntries)
                    .description("flow-table entries drained, every cell").register(meters);
            FunctionCounter.builder("cellflow.drain.table.seconds", drainer, FlowTableDrainer::drainSeconds)
                    .description("time spent draining flow tables (kernel batch calls and the events they make)")
                    .register(meters);
        }
        this.unavailableReason = n == null ? why : null;
        this.ebpfUnavailableReason = n == null ? why : n.libbpfMissing() != null ? n.libbpfMissing()
                : p == null ? why : new BpfFeatureProbe(n).programLoadBlocked();
        if (unavailableReason != null) {
            LOG.warnf("no backend can run on this host: %s", unavailableReason);
        } else if (ebpfUnavailableReason != null) {
            LOG.warnf("the eBPF backend cannot run on this host (nflog can): %s", ebpfUnavailableReason);
        }
    }

    /** Why nothing native works (no libc binding, not Linux), or {@code null}. */
    public String unavailableReason() {
        return unavailableReason;
    }

    /** Why the nflog backend cannot run (no libc binding, no nft or nsenter on PATH), or {@code null}. */
    public String nflogUnavailableReason() {
        if (unavailableReason != null) {
            return unavailableReason;
        }
        for (String tool : new String[] {"nft", "nsenter"}) {
            if (!onPath(tool)) {
                return tool + " is not installed (Debian: apt-get install " + (tool.equals("nft") ? "nftables"
                        : "util-linux") + ")";
            }
        }
        return null;
    }

    private static boolean onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        for (String dir : (path + ":/usr/sbin:/sbin").split(":")) {
            if (!dir.isEmpty() && java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** Why the eBPF backend cannot run (no libbpf, no poller, a probe program refused), or {@code null}. */
    public String ebpfUnavailableReason() {
        return ebpfUnavailableReason;
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

    /** The one flow-table drainer every cell shares. */
    public FlowTableDrainer drainer() {
        return drainer;
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
