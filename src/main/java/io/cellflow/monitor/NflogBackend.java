package io.cellflow.monitor;

import io.cellflow.nflog.NflogException;
import io.cellflow.nflog.NflogFlowSource;
import io.cellflow.nflog.NflogRuleset;
import io.cellflow.policy.Policy;
import jakarta.enterprise.context.ApplicationScoped;

/** Starts the nftables + NFLOG backend for a cell and turns its failures into {@link MonitorException}s. */
@ApplicationScoped
public class NflogBackend {
    private final KernelRuntime runtime;

    NflogBackend(KernelRuntime runtime) {
        this.runtime = runtime;
    }

    /**
     * @throws MonitorException NETNS_NOT_FOUND or INTERFACE_NOT_FOUND for the caller's mistakes,
     *     BACKEND_UNAVAILABLE when nft or netlink refuse (with the errno or nft's own message)
     */
    FlowSource start(MonitorSpec spec, FlowHub hub) {
        String unavailable = runtime.nflogUnavailableReason();
        if (unavailable != null) {
            throw MonitorException.of(MonitorException.Reason.BACKEND_UNAVAILABLE, spec.cellId(),
                    "nflog backend: " + unavailable);
        }
        try {
            return new Adapter(NflogFlowSource.start(runtime.nat(), runtime.netns(), spec.netns(),
                    spec.interfaceName(), spec.cellId(), NflogRuleset.defaultGroup(spec.cellId()), spec.policy(),
                    hub::publish), spec.cellId(), spec.interfaceName());
        } catch (NflogException e) {
            MonitorException.Reason reason = switch (e.kind()) {
                case NETNS_NOT_FOUND -> MonitorException.Reason.NETNS_NOT_FOUND;
                case INTERFACE_NOT_FOUND -> MonitorException.Reason.INTERFACE_NOT_FOUND;
                case NFT_FAILED, NETLINK_FAILED -> MonitorException.Reason.BACKEND_UNAVAILABLE;
            };
            throw MonitorException.kernel(reason, spec.cellId(), spec.interfaceName(), e.errno().orElse(null),
                    "nflog backend: " + e.getMessage(), e);
        }
    }

    private record Adapter(NflogFlowSource source, String cellId, String ifname) implements FlowSource {
        @Override
        public String attachMode() {
            return "nft_log";
        }

        @Override
        public void applyPolicy(Policy policy) {
            try {
                source.applyPolicy(policy);
            } catch (NflogException e) {
                throw MonitorException.kernel(MonitorException.Reason.BACKEND_UNAVAILABLE, cellId, ifname,
                        e.errno().orElse(null), "policy not applied, the previous one stays live: "
                                + e.getMessage(), e);
            }
        }

        @Override
        public long deniedPackets() {
            return source.denied();
        }

        /** NFLOG reports connections, not packets: packet counts and flow ends are unknown. */
        @Override
        public KernelView kernel() {
            return new KernelView(source.overruns(), source.packets(), -1, -1, -1, -1, -1);
        }

        @Override
        public void close() {
            source.close();
        }
    }
}
