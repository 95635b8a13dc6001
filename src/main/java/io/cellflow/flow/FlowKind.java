package io.cellflow.flow;

/** The lifecycle step an event reports; its {@link #sseName()} is the SSE {@code event:} field. */
public enum FlowKind {
    OPENED("flow.opened");

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
