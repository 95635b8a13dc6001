package io.cellflow.monitor;

import io.cellflow.flow.FlowKind;
import io.cellflow.flow.NetworkFlowDecision;

/** What a flow stream carries: flow events, and in-band notices of events a client did not get. */
public sealed interface StreamItem {

    /** One flow event; {@code sequence} is the cell's SSE {@code id:}. */
    record Flow(long sequence, FlowKind kind, NetworkFlowDecision decision) implements StreamItem {}

    /**
     * Events this client missed, and why: {@code slow_client} when it did not keep up.
     */
    record Lost(long missed, String cause) implements StreamItem {}
}
