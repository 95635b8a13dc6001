package io.cellflow.flow;

import com.fasterxml.jackson.annotation.JsonValue;

/** Whether policy let the packet through. The observe-only program always reports {@link #ALLOW}. */
public enum Decision {
    ALLOW("allow"),
    DENY("deny");

    private final String json;

    Decision(String json) {
        this.json = json;
    }

    @JsonValue
    public String json() {
        return json;
    }

    static Decision fromAbi(int decision) {
        return switch (decision) {
            case FlowAbi.DECISION_ALLOW -> ALLOW;
            case FlowAbi.DECISION_DENY -> DENY;
            default -> throw new MalformedRecordException("unknown decision " + decision);
        };
    }
}
