package io.cellflow.monitor;

import com.fasterxml.jackson.annotation.JsonValue;

/** The backend a monitor runs on. */
public enum Backend {
    EBPF("ebpf", "ebpf_tc"),
    NFLOG("nflog", "nflog_match");

    private final String json;
    private final String reasonCode;

    Backend(String json, String reasonCode) {
        this.json = json;
        this.reasonCode = reasonCode;
    }

    @JsonValue
    public String json() {
        return json;
    }

    /** The {@code reason_code} of events this backend produces. */
    public String reasonCode() {
        return reasonCode;
    }
}
