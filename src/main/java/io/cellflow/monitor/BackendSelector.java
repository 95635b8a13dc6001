package io.cellflow.monitor;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * The one place that decides which backend runs a cell. {@code ebpf}: eBPF or a 503 with its cause. {@code nflog}:
 * nflog directly. {@code auto}: eBPF, and on any host failure of it ({@link EbpfFailure}) nflog, with the reason
 * kept for the monitor's status, a log line and the {@code cellflow.fallbacks} metric. Request errors (no such
 * namespace or interface) are never "fallen back" from: they fail the same on every backend.
 */
@ApplicationScoped
public class BackendSelector {
    private static final Logger LOG = Logger.getLogger(BackendSelector.class);

    /** A started backend and, under {@code auto}, why eBPF did not run. */
    record Started(Backend backend, FlowSource source, FlowHub hub, String fallbackReason) {}

    private final EbpfBackend ebpf;
    private final NflogBackend nflog;
    private final MeterRegistry meters;

    BackendSelector(EbpfBackend ebpf, NflogBackend nflog, MeterRegistry meters) {
        this.ebpf = ebpf;
        this.nflog = nflog;
        this.meters = meters;
    }

    /** @param hubFor a fresh hub stamped for the backend that is about to start */
    Started start(MonitorSpec spec, Function<Backend, FlowHub> hubFor) {
        return switch (spec.backend()) {
            case EBPF -> startEbpf(spec, hubFor);
            case NFLOG -> startNflog(spec, hubFor, null);
            case AUTO -> {
                if (spec.isCgroup()) {
                    yield startEbpf(spec, hubFor); // nflog has no cgroup hook to fall back to
                }
                try {
                    yield startEbpf(spec, hubFor);
                } catch (MonitorException e) {
                    if (!(e.getCause() instanceof BackendStartException bse)) {
                        throw e;
                    }
                    EbpfFailure why = bse.failure();
                    Counter.builder("cellflow.fallbacks").description("monitors started on nflog because eBPF failed")
                            .tag("cause", why.code()).register(meters).increment();
                    LOG.warnf("cell %s: eBPF backend failed, falling back to nflog: %s", spec.cellId(),
                            why.describe());
                    yield startNflog(spec, hubFor, why);
                }
            }
        };
    }

    private Started startEbpf(MonitorSpec spec, Function<Backend, FlowHub> hubFor) {
        FlowHub hub = hubFor.apply(Backend.EBPF);
        try {
            return new Started(Backend.EBPF, ebpf.start(spec, hub), hub, null);
        } catch (BackendStartException e) {
            throw MonitorException.kernel(MonitorException.Reason.BACKEND_UNAVAILABLE, spec.cellId(),
                    spec.interfaceName(), e.failure().errno().orElse(null),
                    "eBPF backend: " + e.failure().describe(), e);
        }
    }

    private Started startNflog(MonitorSpec spec, Function<Backend, FlowHub> hubFor, EbpfFailure ebpfFailure) {
        FlowHub hub = hubFor.apply(Backend.NFLOG);
        try {
            return new Started(Backend.NFLOG, nflog.start(spec, hub), hub,
                    ebpfFailure == null ? null : ebpfFailure.describe());
        } catch (MonitorException e) {
            boolean hostFailure = e.reason() == MonitorException.Reason.BACKEND_UNAVAILABLE
                    || e.reason() == MonitorException.Reason.BACKEND_NOT_IMPLEMENTED;
            if (ebpfFailure == null || !hostFailure) {
                throw e;
            }
            throw MonitorException.kernel(MonitorException.Reason.BACKEND_UNAVAILABLE, spec.cellId(),
                    spec.interfaceName(), ebpfFailure.errno().orElse(null), "no backend could start: eBPF: "
                            + ebpfFailure.describe() + "; nflog: " + e.getMessage(), e);
        }
    }
}
