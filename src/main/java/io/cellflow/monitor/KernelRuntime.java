package io.cellflow.monitor;

import io.cellflow.bpf.BpfException;
import io.cellflow.bpf.BpfFeatureProbe;
import io.cellflow.bpf.BpfObjectSpec;
import io.cellflow.bpf.FlowTableDrainer;
import io.cellflow.bpf.Native;
import io.cellflow.bpf.NetnsExecutor;
import io.cellflow.bpf.PreloadedObjects;
import io.cellflow.bpf.RingBufferPoller;
import io.cellflow.config.CellflowConfig;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import org.jboss.logging.Logger;

/**
 * The process-wide native machinery, created once: libc/libbpf bindings, the netns thread and the one ring-buffer
 * poller thread that serves every cell. If the host cannot provide them the service still runs:
 * {@link #unavailableReason()} (no libc: nothing works) and {@link #ebpfUnavailableReason()} (no libbpf, no
 * poller) say why, and the backends that need them fail with it. Created at start-up, so the preloaded BPF objects
 * are ready before the first monitor start.
 */
@Startup
@ApplicationScoped
public class KernelRuntime {
    private static final Logger LOG = Logger.getLogger(KernelRuntime.class);

    private final Native nat;
    private final NetnsExecutor netns;
    private final RingBufferPoller poller;
    private final FlowTableDrainer drainer;
    private final PreloadedObjects preloaded;
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
        this.preloaded = preloadedObjects(n, config, ebpfUnavailableReason);
        registerPreloadMetrics(meters);
        if (unavailableReason != null) {
            LOG.warnf("no backend can run on this host: %s", unavailableReason);
        } else if (ebpfUnavailableReason != null) {
            LOG.warnf("the eBPF backend cannot run on this host (nflog can): %s", ebpfUnavailableReason);
        }
    }

    /**
     * The pool of objects with the configured sizes; empty (capacity 0) when eBPF is off or cannot run here, or the
     * configured sizes are invalid (every start then fails on them with its own error).
     */
    private static PreloadedObjects preloadedObjects(Native nat, CellflowConfig config, String ebpfUnavailable) {
        int capacity = config.ebpf().enabled() && ebpfUnavailable == null ? config.bpf().preloadedObjects() : 0;
        if (capacity <= 0) {
            return new PreloadedObjects(nat, null, 0);
        }
        try {
            BpfObjectSpec spec = BpfObjectSpec.of(EbpfBackend.settings(config.bpf(), null), false);
            return new PreloadedObjects(nat, spec, capacity);
        } catch (IllegalArgumentException e) {
            LOG.warnf("BPF objects are not preloaded: %s", e.getMessage());
            return new PreloadedObjects(nat, null, 0);
        }
    }

    private void registerPreloadMetrics(MeterRegistry meters) {
        String name = "cellflow.bpf.preloaded.takes";
        String what = "BPF objects for monitor starts: hit (preloaded), miss (pool empty, loaded inline), bypass"
                + " (other sizes or cgroup programs, or the pool is off: loaded inline)";
        java.util.Map<String, ToDoubleFunction<PreloadedObjects>> results = java.util.Map.of("hit",
                PreloadedObjects::hits, "miss", PreloadedObjects::misses, "bypass", PreloadedObjects::bypasses);
        results.forEach((result, f) -> FunctionCounter.builder(name, preloaded, f).description(what)
                .tag("result", result).register(meters));
        Gauge.builder("cellflow.bpf.preloaded.ready", preloaded, PreloadedObjects::ready)
                .description("preloaded BPF objects ready for the next monitor starts").register(meters);
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

    /** Loaded objects ready for monitor starts with the default sizes. */
    public PreloadedObjects preloaded() {
        return preloaded;
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
        preloaded.close();
        if (poller != null) {
            poller.close();
        }
        if (netns != null) {
            netns.close();
        }
    }
}
