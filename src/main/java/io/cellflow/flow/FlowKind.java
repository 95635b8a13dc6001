package io.cellflow.flow;

/**
 * The lifecycle step an event reports; its {@link #sseName()} is the SSE {@code event:} field. {@code opened} is
 * the first sight of a flow with the packets and bytes counted then, {@code updated} carries those since the
 * previous report (only when there are some), {@code closed} the flow's totals: the opened and updated counts of a
 * flow add up to its close. (nflog's opened events carry no counts, and it sends no updates.)
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
