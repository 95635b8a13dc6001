package io.cellflow.monitor;

import io.cellflow.bpf.AttachTarget;
import io.cellflow.bpf.BpfException;
import io.cellflow.bpf.EbpfFlowSource;
import io.cellflow.bpf.EbpfSettings;
import io.cellflow.bpf.FlowTableDrainer;
import io.cellflow.bpf.KernelCounters;
import io.cellflow.bpf.RingBufferReader;
import io.cellflow.config.CellflowConfig;
import io.cellflow.flow.Decision;
import io.cellflow.flow.DrainedFlows;
import io.cellflow.flow.FlowRecord;
import io.cellflow.flow.FlowRecordCodec;
import io.cellflow.flow.MalformedRecordException;
import io.cellflow.memory.NativeBytes;
import io.cellflow.policy.Policy;
import io.cellflow.policy.PolicyTables;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/** Starts the eBPF backend for a cell and turns kernel failures into {@link MonitorException}s. */
@ApplicationScoped
public class EbpfBackend {
    private static final Logger LOG = Logger.getLogger(EbpfBackend.class);
    private static final long EVICTION_WARN_EVERY = java.util.concurrent.TimeUnit.MINUTES.toNanos(1);

    private final KernelRuntime runtime;
    private final CellflowConfig config;
    private final FlowDrains drains;

    EbpfBackend(KernelRuntime runtime, CellflowConfig config, FlowDrains drains) {
        this.runtime = runtime;
        this.config = config;
        this.drains = drains;
    }

    /**
     * @throws MonitorException NETNS_NOT_FOUND or INTERFACE_NOT_FOUND: the request is wrong
     * @throws BackendStartException the host cannot run eBPF for this cell; {@link EbpfFailure} says why
     */
    FlowSource start(MonitorSpec spec, FlowHub hub) {
        if (!config.ebpf().enabled()) {
            throw new BackendStartException(new EbpfFailure.FeatureDisabled());
        }
        if (runtime.ebpfUnavailableReason() != null) {
            throw new BackendStartException(new EbpfFailure.Unsupported(runtime.ebpfUnavailableReason(), null));
        }
        try {
            FlowLedger ledger = new FlowLedger(hub, config.flows().idleTimeout().toNanos(),
                    config.flows().maxOpen());
            DrainedEntries drained = new DrainedEntries();
            EbpfSettings settings = settings(spec);
            EarlyDrain early = new EarlyDrain();
            DrainPressure pressure = new DrainPressure(
                    DrainPressure.threshold(settings.flowTableEntries(), config.flows().pressureDrainFill()),
                    p -> drains.early(early, p::requestDone));
            EbpfFlowSource source = EbpfFlowSource.start(runtime.nat(), runtime.netns(), runtime.poller(),
                    runtime.preloaded(), settings, target(spec),
                    spec.policy() == null ? null : PolicyTables.of(spec.policy()),
                    new DecodingSink(spec.cellId(), ledger, pressure), runtime.drainer(), drained);
            Adapter adapter = new Adapter(source, ledger, drained, pressure, spec.cellId(), spec.interfaceName());
            early.target = adapter;
            return adapter;
        } catch (BpfException e) {
            throw translate(spec, e);
        }
    }

    /** An interface in a namespace, or a cgroup v2 directory checked here (it must stay under /sys/fs/cgroup). */
    private static AttachTarget target(MonitorSpec spec) {
        if (!spec.isCgroup()) {
            return new AttachTarget.Interface(spec.netns(), spec.interfaceName());
        }
        Path dir = spec.cgroup();
        try {
            Path real = dir.toRealPath();
            if (!real.startsWith("/sys/fs/cgroup/") || !Files.isDirectory(real)) {
                throw MonitorException.of(MonitorException.Reason.NOT_A_CGROUP, spec.cellId(),
                        dir + " is not a directory under /sys/fs/cgroup");
            }
            if (!Files.exists(real.resolve("cgroup.controllers"))) {
                throw MonitorException.of(MonitorException.Reason.NOT_A_CGROUP, spec.cellId(), dir
                        + " is not a cgroup v2 directory (cgroup_skb needs cgroup v2, e.g. /sys/fs/cgroup/unified/...)");
            }
            return new AttachTarget.Cgroup(real);
        } catch (java.io.IOException e) {
            throw MonitorException.of(MonitorException.Reason.CGROUP_NOT_FOUND, spec.cellId(),
                    "cgroup " + dir + " does not exist");
        }
    }

    /**
     * The configuration, with the monitor's own ring size when it asks for one; the wakeup threshold then keeps its
     * share of the ring. A small ring still wakes the poller with the same share of it free, and a cell given a big
     * ring because it is busy is woken as rarely as that ring allows: each forced wakeup is an IPI paid in the
     * cell's own packet path (on a 4 MiB ring, 16 KiB instead of 64 KiB cost 20-60 ns more per new flow at the
     * generator's max rate: 1.19-1.21× the reference's kernel time instead of 1.03-1.06×), while the poll timeout
     * bounds the latency either way.
     */
    private EbpfSettings settings(MonitorSpec spec) {
        return settings(config.bpf(), spec.ringBufferBytes());
    }

    /** The settings of a monitor asking for {@code ringBufferBytes} ({@code null}: the configured size). */
    static EbpfSettings settings(CellflowConfig.Bpf bpf, Integer ringBufferBytes) {
        int ring = bpf.ringBufferBytes();
        int wakeup = bpf.wakeupBytes();
        if (ringBufferBytes != null) {
            wakeup = (int) ((long) wakeup * ringBufferBytes / ring);
            ring = ringBufferBytes;
        }
        return new EbpfSettings(bpf.objectPath().map(Path::of), EbpfSettings.Attach.valueOf(bpf.attachMode().name()),
                ring, bpf.flowTableEntries(), wakeup);
    }

    /**
     * The caller's mistakes (no such namespace or interface) become {@link MonitorException}s no fallback can fix;
     * everything else is a host failure another backend may survive.
     */
    private static RuntimeException translate(MonitorSpec spec, BpfException e) {
        return switch (e.stage()) {
            case NETNS_NOT_FOUND -> MonitorException.kernel(MonitorException.Reason.NETNS_NOT_FOUND, spec.cellId(),
                    spec.interfaceName(), e.errno().orElse(null), e.getMessage(), e);
            case INTERFACE_NOT_FOUND -> MonitorException.kernel(MonitorException.Reason.INTERFACE_NOT_FOUND,
                    spec.cellId(), spec.interfaceName(), e.errno().orElse(null), e.getMessage(), e);
            case NATIVE_UNAVAILABLE -> new BackendStartException(new EbpfFailure.Unsupported(e.getMessage(), e));
            case OBJECT_MISSING, OPEN -> new BackendStartException(
                    new EbpfFailure.ObjectMissing(e.detail().orElse("?"), e));
            case NETNS_ENTER -> new BackendStartException(new EbpfFailure.Setns(spec.netns().toString(), e));
            case LOAD -> new BackendStartException(new EbpfFailure.LoadFailed(e.detail().orElse(""), e));
            case ATTACH -> new BackendStartException(new EbpfFailure.AttachFailed(spec.interfaceName(), e));
            case RING_BUFFER -> new BackendStartException(new EbpfFailure.RingBufferOpenFailed(e));
            case POLICY -> new BackendStartException(new EbpfFailure.PolicyWriteFailed(e));
        };
    }

    /**
     * Decodes records on the poller thread; a malformed record is counted and skipped, never rethrown. A batch of
     * records is one hold of the ledger's lock (see {@link FlowLedger#beginSightings()}); each record is decoded into
     * one of {@value FlowLedger#CHUNK} reused {@link FlowRecord}s, handed to the ledger a group at a time, so a record
     * of a flow already open allocates nothing. The allowed ones (each a
     * flow the kernel inserted into its table) are counted per batch for the cell's {@link DrainPressure}.
     */
    private static final class DecodingSink implements RingBufferReader.RecordSink {
        private final String cellId;
        private final FlowLedger ledger;
        private final DrainPressure pressure;
        private final AtomicLong malformed = new AtomicLong();
        // poller thread only: records decoded but not yet given to the ledger, which takes them in groups (so it
        // can load what their lookups touch at once, see FlowLedger#sighted(FlowRecord[], int))
        private final FlowRecord[] pending = new FlowRecord[FlowLedger.CHUNK];
        private int pendingCount;
        private int batchNewFlows; // poller thread only

        DecodingSink(String cellId, FlowLedger ledger, DrainPressure pressure) {
            this.cellId = cellId;
            this.ledger = ledger;
            this.pressure = pressure;
        }

        @Override
        public void beginBatch() {
            ledger.beginSightings();
        }

        @Override
        public void endBatch() {
            try {
                flush();
            } finally {
                ledger.endSightings();
            }
            int n = batchNewFlows;
            batchNewFlows = 0;
            pressure.recorded(n);
        }

        @Override
        public void accept(NativeBytes data) {
            try {
                FlowRecord into = pending[pendingCount];
                if (into == null) { // made as a cell's batches need them: a thousand quiet cells hold none
                    into = pending[pendingCount] = new FlowRecord();
                }
                FlowRecord r = FlowRecordCodec.decodeInto(data, into);
                if (r.decision() == Decision.ALLOW) {
                    batchNewFlows++;
                }
                if (++pendingCount == pending.length) {
                    flush();
                }
            } catch (MalformedRecordException e) {
                if (malformed.incrementAndGet() == 1) {
                    LOG.errorf("cell %s: %s (further malformed records are counted, not logged)", cellId,
                            e.getMessage());
                }
            }
        }

        private void flush() {
            int n = pendingCount;
            pendingCount = 0;
            if (n > 0) {
                ledger.sighted(pending, n);
            }
        }
    }

    /** An early drain of one cell; the poller may ask for it before the cell's adapter exists (then it is a no-op). */
    private static final class EarlyDrain implements Runnable {
        volatile Adapter target;

        @Override
        public void run() {
            Adapter a = target;
            if (a != null) {
                a.drainFlows(DrainPacer.NONE); // the table is filling: publish at full speed
            }
        }
    }

    /**
     * Collects one drain's flow-table entries, decoded, so the ledger applies them after the drain and outside the
     * drainer's lock, in chunks (see {@link FlowLedger#drained(List)}). Filled by whichever thread drains (under the
     * source's lock), emptied by the same thread under the adapter's drain lock.
     */
    private static final class DrainedEntries implements FlowTableDrainer.Sink {
        // two batches taking turns: the ledger applies one (same thread, before the next drain) while the other
        // fills, so a drain allocates nothing per entry and no new batch
        private DrainedFlows entries = new DrainedFlows();
        private DrainedFlows spare = new DrainedFlows();

        @Override
        public synchronized void accept(ByteBuffer keys, int keyOffset, ByteBuffer values, int valueOffset) {
            if (!DrainedFlows.coveredByRecord(values, valueOffset)) { // else its sighting reports it all
                entries.add(keys, keyOffset, values, valueOffset);
            }
        }

        /** The entries so far; valid until the next call (the ledger applies them before the next drain). */
        synchronized DrainedFlows take() {
            DrainedFlows out = entries;
            spare.clear();
            entries = spare;
            spare = out;
            return out;
        }
    }

    /**
     * The drain lock makes drains and the close one sequence, so a drain's updates and closes never interleave
     * with another's or follow the close's, and an early drain that runs after the close does nothing. The poller
     * never takes it.
     */
    private static final class Adapter implements FlowSource {
        private final EbpfFlowSource source;
        private final FlowLedger ledger;
        private final DrainedEntries drained;
        private final DrainPressure pressure;
        private final Object drainLock = new Object();
        private final String cellId;
        private final String ifname;
        private boolean closed; // under drainLock
        private long warnedEvictions; // under drainLock
        private long warnedAt; // under drainLock

        Adapter(EbpfFlowSource source, FlowLedger ledger, DrainedEntries drained, DrainPressure pressure,
                String cellId, String ifname) {
            this.source = source;
            this.ledger = ledger;
            this.drained = drained;
            this.pressure = pressure;
            this.cellId = cellId;
            this.ifname = ifname;
        }

        @Override
        public String attachMode() {
            return source.attachMode();
        }

        @Override
        public void applyPolicy(Policy policy) {
            try {
                source.applyPolicy(PolicyTables.of(policy));
            } catch (BpfException e) {
                throw MonitorException.kernel(MonitorException.Reason.BACKEND_UNAVAILABLE, cellId, ifname,
                        e.errno().orElse(null), "policy not applied, the previous one stays live: "
                                + e.getMessage(), e);
            }
        }

        @Override
        public long deniedPackets() {
            return source.policyCounters().denied();
        }

        /** Unique flows come from the ledger: the kernel re-inserts a drained flow and would count it again. */
        @Override
        public KernelView kernel() {
            KernelCounters k = source.counters();
            return new KernelView(k.ringBufferLosses(), ledger.uniqueFlows(), k.packets(), ledger.openFlows(),
                    ledger.closedFlows(), ledger.evictedFlows(), k.flowTableFailures());
        }

        @Override
        public void drainFlows(DrainPacer pacer) {
            synchronized (drainLock) {
                if (closed) {
                    return;
                }
                pressure.draining();
                source.drainFlows();
                ledger.drained(drained.take(), pacer);
                ledger.endOfDrain(pacer);
                warnOfEvictions();
            }
        }

        /** Once when a cell first outgrows max-open, then at most once a minute while it goes on (drain thread). */
        private void warnOfEvictions() {
            long evicted = ledger.evictedFlows();
            long now = System.nanoTime();
            if (evicted > warnedEvictions && (warnedAt == 0 || now - warnedAt >= EVICTION_WARN_EVERY)) {
                LOG.warnf("cell %s: more flows open than cellflow.flows.max-open; %d closed early so far (least"
                        + " recently active first, as if idle: evicted_flows)", cellId, evicted);
                warnedEvictions = evicted;
                warnedAt = now;
            }
        }

        @Override
        public double fillRatio() {
            return source.ringFillRatio();
        }

        @Override
        public Integer ringBufferBytes() {
            return source.ringBufferBytes();
        }

        /** The source's close delivers the last records and counts; then every flow still open closes. */
        @Override
        public void close() {
            ledger.stopping();
            synchronized (drainLock) {
                if (closed) {
                    return;
                }
                closed = true;
                try {
                    source.close();
                } finally {
                    try {
                        ledger.drained(drained.take());
                    } finally {
                        ledger.closeAll();
                    }
                }
            }
        }
    }
}
