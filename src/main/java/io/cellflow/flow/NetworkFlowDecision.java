package io.cellflow.flow;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * The JSON record every flow event leaves the service as (schema {@value #SCHEMA_VERSION}, DESIGN.md). Field names
 * are snake_case through the application's Jackson naming strategy; absent optional fields are omitted, except
 * {@code protocol}, which is {@code null} for a protocol number we do not name.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({
    "schemaVersion", "cellId", "runId", "decisionId", "direction", "decision", "reasonCode", "nftRuleRef",
    "srcAddr", "srcPort", "dstAddr", "dstPort", "protocol", "packetCount", "byteCount", "policyDigest",
    "keysetId", "issuerKid", "correlationId", "observedAt"
})
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record NetworkFlowDecision(
        String schemaVersion,
        String cellId,
        String runId,
        String decisionId,
        Direction direction,
        Decision decision,
        String reasonCode,
        String nftRuleRef,
        String srcAddr,
        Integer srcPort,
        String dstAddr,
        Integer dstPort,
        @JsonInclude(JsonInclude.Include.ALWAYS) String protocol,
        Long packetCount,
        Long byteCount,
        String policyDigest,
        String keysetId,
        String issuerKid,
        String correlationId,
        String observedAt) {

    public static final String SCHEMA_VERSION = "1.0.0";
}
