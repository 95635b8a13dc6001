package io.cellflow.flow;

import java.time.format.DateTimeFormatter;

/** Builds the {@link NetworkFlowDecision} envelope for one event of one monitor run. */
public final class FlowDecisionMapper {
    private final String cellId;
    private final String runId;
    private final String correlationId;
    private final String reasonCode;
    private final MonotonicClock clock;

    /**
     * @param reasonCode the backend's reason code, e.g. {@code ebpf_tc}
     */
    public FlowDecisionMapper(String cellId, String runId, String correlationId, String reasonCode,
            MonotonicClock clock) {
        this.cellId = cellId;
        this.runId = runId;
        this.correlationId = correlationId;
        this.reasonCode = reasonCode;
        this.clock = clock;
    }

    /** @param decisionId unique per event: the caller's run-scoped sequence number makes it so */
    public NetworkFlowDecision map(FlowEvent e, String decisionId) {
        boolean ports = Protocols.hasPorts(e.protocol());
        return new NetworkFlowDecision(
                NetworkFlowDecision.SCHEMA_VERSION,
                cellId,
                runId,
                decisionId,
                e.direction(),
                e.decision(),
                reasonCode,
                null,
                IpText.of(e.srcAddr()),
                ports && e.srcPort() >= 0 ? e.srcPort() : null,
                IpText.of(e.dstAddr()),
                ports && e.dstPort() >= 0 ? e.dstPort() : null,
                Protocols.name(e.protocol()),
                e.packets() >= 0 ? e.packets() : null,
                e.bytes() >= 0 ? e.bytes() : null,
                null,
                null,
                null,
                correlationId,
                DateTimeFormatter.ISO_INSTANT.format(clock.toInstant(e.monotonicNanos())));
    }
}
