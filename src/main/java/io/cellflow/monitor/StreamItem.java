package io.cellflow.monitor;

import io.cellflow.flow.Direction;
import io.cellflow.flow.FlowEvent;
import io.cellflow.flow.FlowKind;
import io.cellflow.flow.NetworkFlowDecision;
import java.util.Objects;

/** What a flow stream carries: flow events, in-band notices of events a client did not get, and heartbeats. */
public sealed interface StreamItem {

    /**
     * One flow event; {@code sequence} is the cell's SSE {@code id:}. Published events hold the {@link FlowEvent}
     * and its run's {@link FlowStamp}, and become a {@link NetworkFlowDecision} only when someone asks for it
     * ({@link #decision()}, built once): the SSE writer writes their bytes straight from the event's fields, so
     * the poller allocates no decision, address text or boxed numbers per event. Immutable as seen from outside;
     * safe to share between threads (the decision is an immutable record, a race at most builds it twice).
     */
    final class Flow implements StreamItem {
        private final long sequence;
        private final FlowKind kind;
        private final FlowEvent event;
        private final FlowStamp stamp;
        private NetworkFlowDecision decision;

        /** An event given as its decision (tests, other sources). */
        public Flow(long sequence, FlowKind kind, NetworkFlowDecision decision) {
            this.sequence = sequence;
            this.kind = kind;
            this.event = null;
            this.stamp = null;
            this.decision = decision;
        }

        /** A published event: its decision is built from {@code stamp} when asked for. */
        public Flow(long sequence, FlowEvent event, FlowStamp stamp) {
            this.sequence = sequence;
            this.kind = event.kind();
            this.event = event;
            this.stamp = stamp;
        }

        public long sequence() {
            return sequence;
        }

        public FlowKind kind() {
            return kind;
        }

        public NetworkFlowDecision decision() {
            NetworkFlowDecision d = decision;
            if (d == null && event != null) {
                d = stamp.decision(sequence, event);
                decision = d;
            }
            return d;
        }

        /** The event this item was published from, or null when it was given as a decision. */
        public FlowEvent event() {
            return event;
        }

        /** The stamp of {@link #event()}, or null when it was given as a decision. */
        public FlowStamp stamp() {
            return stamp;
        }

        /** The decision's direction, without building it. */
        public Direction direction() {
            return event != null ? event.direction() : decision.direction();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Flow f && sequence == f.sequence && kind == f.kind
                    && Objects.equals(decision(), f.decision());
        }

        @Override
        public int hashCode() {
            return Objects.hash(sequence, kind, decision());
        }

        @Override
        public String toString() {
            return "Flow[sequence=" + sequence + ", kind=" + kind + ", decision=" + decision() + "]";
        }
    }

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
