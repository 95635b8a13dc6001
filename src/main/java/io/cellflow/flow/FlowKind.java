package io.cellflow.flow;

/**
 * The lifecycle step an event reports; its {@link #sseName()} is the SSE {@code event:} field. {@code opened} is
 * the first sight of a flow (its counts are those at that moment), {@code updated} carries the packets and bytes
 * since the previous report, {@code closed} the flow's totals: the updates of a flow add up to its close.
 */
public enum FlowKind {
    OPENED("flow.opened"),
    UPDATED("flow.updated"),
    CLOSED("flow.closed");

    private final String sseName;

    FlowKind(String sseName) {
        this.sseName = sseName;
    }

    public String sseName() {
        return sseName;
    }

    static FlowKind fromAbi(int kind) {
        if (kind == FlowAbi.EVENT_FLOW_NEW) {
            return OPENED;
        }
        throw new MalformedRecordException("unknown event kind " + kind);
    }
}
