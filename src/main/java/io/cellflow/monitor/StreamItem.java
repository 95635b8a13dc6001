package io.cellflow.monitor;

import io.cellflow.flow.FlowKind;
import io.cellflow.flow.NetworkFlowDecision;

/** What a flow stream carries: flow events, in-band notices of events a client did not get, and heartbeats. */
public sealed interface StreamItem {

    /** One flow event; {@code sequence} is the cell's SSE {@code id:}. */
    record Flow(long sequence, FlowKind kind, NetworkFlowDecision decision) implements StreamItem {}

    /**
     * Events this client did not get, and why: {@code slow_client} (it did not keep up), {@code replay_buffer}
     * (they fell out of the buffer before it reconnected), {@code kernel} (the cell's ring buffer was full: {@code
     * missed} records) or {@code flow_table_full} (the cell's flow table was full: {@code missed} packets were not
     * counted, and the flows they belong to may be missing or short).
     */
    record Lost(long missed, String cause) implements StreamItem {
        public static final String SLOW_CLIENT = "slow_client";
        public static final String REPLAY_BUFFER = "replay_buffer";
        public static final String KERNEL = "kernel";
        public static final String FLOW_TABLE_FULL = "flow_table_full";
    }

    /** Keeps idle connections (and proxies) alive; a comment line on the wire. */
    record Heartbeat() implements StreamItem {
        public static final Heartbeat INSTANCE = new Heartbeat();
    }
}
