package io.cellflow.monitor;

import jakarta.enterprise.context.ApplicationScoped;

/** Starts the nftables + NFLOG backend for a cell. */
@ApplicationScoped
public class NflogBackend {

    /**
     * @throws MonitorException NETNS_NOT_FOUND or INTERFACE_NOT_FOUND for the caller's mistakes,
     *     BACKEND_NOT_IMPLEMENTED while this backend is not built
     */
    FlowSource start(MonitorSpec spec, FlowHub hub) {
        throw MonitorException.of(MonitorException.Reason.BACKEND_NOT_IMPLEMENTED, spec.cellId(),
                "the nflog backend is not available in this version; use backend auto or ebpf");
    }
}
