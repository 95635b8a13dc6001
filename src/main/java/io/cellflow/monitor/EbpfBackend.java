package io.cellflow.monitor;

import io.cellflow.bpf.BpfException;
import io.cellflow.bpf.BundledObject;
import io.cellflow.bpf.EbpfFlowSource;
import io.cellflow.bpf.EbpfSettings;
import io.cellflow.bpf.KernelCounters;
import io.cellflow.bpf.RingBufferReader;
import io.cellflow.config.CellflowConfig;
import io.cellflow.flow.FlowRecordCodec;
import io.cellflow.flow.MalformedRecordException;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/** Starts the eBPF backend for a cell and turns kernel failures into {@link MonitorException}s. */
@ApplicationScoped
public class EbpfBackend {
    private static final Logger LOG = Logger.getLogger(EbpfBackend.class);

    private final KernelRuntime runtime;
    private final CellflowConfig config;

    EbpfBackend(KernelRuntime runtime, CellflowConfig config) {
        this.runtime = runtime;
        this.config = config;
    }

    FlowSource start(MonitorSpec spec, FlowHub hub) {
        if (!config.ebpf().enabled()) {
            throw MonitorException.of(MonitorException.Reason.BACKEND_UNAVAILABLE, spec.cellId(),
                    "the eBPF backend is disabled (cellflow.ebpf.enabled=false)");
        }
        if (runtime.unavailableReason() != null) {
            throw MonitorException.of(MonitorException.Reason.BACKEND_UNAVAILABLE, spec.cellId(),
                    runtime.unavailableReason());
        }
        try {
            EbpfFlowSource source = EbpfFlowSource.start(runtime.nat(), runtime.netns(), runtime.poller(),
                    settings(), spec.netns(), spec.interfaceName(), new DecodingSink(spec.cellId(), hub));
            return new Adapter(source);
        } catch (BpfException e) {
            throw translate(spec, e);
        }
    }

    private EbpfSettings settings() throws BpfException {
        CellflowConfig.Bpf bpf = config.bpf();
        Path object = bpf.objectPath().isPresent() ? Path.of(bpf.objectPath().get()) : BundledObject.path();
        return new EbpfSettings(object, EbpfSettings.Attach.valueOf(bpf.attachMode().name()), bpf.ringBufferBytes(),
                bpf.flowTableEntries(), bpf.wakeupBytes());
    }

    private static MonitorException translate(MonitorSpec spec, BpfException e) {
        MonitorException.Reason reason = switch (e.stage()) {
            case NETNS_NOT_FOUND -> MonitorException.Reason.NETNS_NOT_FOUND;
            case INTERFACE_NOT_FOUND -> MonitorException.Reason.INTERFACE_NOT_FOUND;
            default -> MonitorException.Reason.BACKEND_UNAVAILABLE;
        };
        return MonitorException.kernel(reason, spec.cellId(), spec.interfaceName(), e.errno().orElse(null),
                "eBPF backend: " + e.getMessage(), e);
    }

    /** Decodes records on the poller thread; a malformed record is counted and skipped, never rethrown. */
    private static final class DecodingSink implements RingBufferReader.RecordSink {
        private final String cellId;
        private final FlowHub hub;
        private final AtomicLong malformed = new AtomicLong();

        DecodingSink(String cellId, FlowHub hub) {
            this.cellId = cellId;
            this.hub = hub;
        }

        @Override
        public void accept(java.nio.ByteBuffer data, int offset, int length) {
            try {
                hub.publish(FlowRecordCodec.decode(data, offset, length));
            } catch (MalformedRecordException e) {
                if (malformed.incrementAndGet() == 1) {
                    LOG.errorf("cell %s: %s (further malformed records are counted, not logged)", cellId,
                            e.getMessage());
                }
            }
        }
    }

    private record Adapter(EbpfFlowSource source) implements FlowSource {
        @Override
        public String attachMode() {
            return source.attachMode();
        }

        @Override
        public KernelView kernel() {
            KernelCounters k = source.counters();
            return new KernelView(k.ringBufferLosses(), k.newFlows(), k.packets());
        }

        @Override
        public void close() {
            source.close();
        }
    }
}
