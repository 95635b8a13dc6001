package io.cellflow.monitor;

import com.fasterxml.jackson.annotation.JsonValue;

/** The backend a monitor runs on. */
public enum Backend {
    EBPF("ebpf", "ebpf_tc", "ebpf_tc_drop"),
    NFLOG("nflog", "nflog_match", "nflog_match");

    private final String json;
    private final String reasonCode;
    private final String denyReasonCode;

    Backend(String json, String reasonCode, String denyReasonCode) {
        this.json = json;
        this.reasonCode = reasonCode;
        this.denyReasonCode = denyReasonCode;
    }

    @JsonValue
    public String json() {
        return json;
    }

    /** The {@code reason_code} of events this backend produces. */
    public String reasonCode() {
        return reasonCode;
    }

    /** The {@code reason_code} of a packet this backend dropped by policy. */
    public String denyReasonCode() {
        return denyReasonCode;
    }
}
