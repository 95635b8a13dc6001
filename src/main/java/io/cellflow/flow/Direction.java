package io.cellflow.flow;

import com.fasterxml.jackson.annotation.JsonValue;

/** Direction as seen from the cell: {@code egress} is what the cell sends. */
public enum Direction {
    INGRESS("ingress"),
    EGRESS("egress");

    private final String json;

    Direction(String json) {
        this.json = json;
    }

    @JsonValue
    public String json() {
        return json;
    }

    static Direction fromAbi(int dir) {
        return switch (dir) {
            case FlowAbi.DIR_INGRESS -> INGRESS;
            case FlowAbi.DIR_EGRESS -> EGRESS;
            default -> throw new MalformedRecordException("unknown direction " + dir);
        };
    }
}
