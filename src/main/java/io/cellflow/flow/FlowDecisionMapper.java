package io.cellflow.flow;

import java.util.function.Supplier;

/**
 * Builds the {@link NetworkFlowDecision} envelope for one event of one monitor run. Thread-safe if the digest
 * supplier is.
 */
public final class FlowDecisionMapper {
    private final String cellId;
    private final String runId;
    private final String correlationId;
    private final String keysetId;
    private final String issuerKid;
    private final String reasonCode;
    private final String denyReasonCode;
    private final Supplier<String> policyDigest;
    private final MonotonicClock clock;
    private final InstantText observedAt = new InstantText();

    /** For a monitor without a policy. */
    public FlowDecisionMapper(String cellId, String runId, String correlationId, String reasonCode,
            MonotonicClock clock) {
        this(cellId, runId, correlationId, reasonCode, reasonCode, () -> null, clock);
    }

    /**
     * @param reasonCode the backend's reason code, e.g. {@code ebpf_tc}
     * @param denyReasonCode the reason code of a packet the policy dropped, e.g. {@code ebpf_tc_drop}
     * @param policyDigest the digest of the policy live now, read per event (it changes on a live replace);
     *     {@code null} from it: no policy, the field is omitted
     */
    public FlowDecisionMapper(String cellId, String runId, String correlationId, String reasonCode,
            String denyReasonCode, Supplier<String> policyDigest, MonotonicClock clock) {
        this(cellId, runId, correlationId, null, null, reasonCode, denyReasonCode, policyDigest, clock);
    }

    /** @param keysetId and {@code issuerKid}: stamped on every event when not null */
    public FlowDecisionMapper(String cellId, String runId, String correlationId, String keysetId, String issuerKid,
            String reasonCode, String denyReasonCode, Supplier<String> policyDigest, MonotonicClock clock) {
        this.cellId = cellId;
        this.runId = runId;
        this.correlationId = correlationId;
        this.keysetId = keysetId;
        this.issuerKid = issuerKid;
        this.reasonCode = reasonCode;
        this.denyReasonCode = denyReasonCode;
        this.policyDigest = policyDigest;
        this.clock = clock;
    }

    /** The policy digest live now ({@code null}: no policy). */
    public String policyDigest() {
        return policyDigest.get();
    }

    public String cellId() {
        return cellId;
    }

    public String runId() {
        return runId;
    }

    public String keysetId() {
        return keysetId;
    }

    public String issuerKid() {
        return issuerKid;
    }

    public String correlationId() {
        return correlationId;
    }

    /** The {@code reason_code} of an event with this decision. */
    public String reasonCode(Decision decision) {
        return decision == Decision.DENY ? denyReasonCode : reasonCode;
    }

    /**
     * Writes the {@code observed_at} text of a {@code CLOCK_MONOTONIC} stamp into {@code out} at {@code pos} (at
     * most {@link #OBSERVED_AT_MAX} bytes, Latin-1), as {@link #map} would make it; returns the end position.
     */
    public int writeObservedAt(long monotonicNanos, byte[] out, int pos) {
        return observedAt.formatInto(clock.toEpochNanos(monotonicNanos), out, pos);
    }

    /** The longest {@code observed_at} text {@link #writeObservedAt} writes. */
    public static final int OBSERVED_AT_MAX = InstantText.MAX_LENGTH;

    /** {@code nft_rule_ref} of a denied event: {@code rule:N} (1-based, request order) or {@code default}. */
    public static String ruleRef(FlowEvent e) {
        if (e.decision() != Decision.DENY) {
            return null;
        }
        return e.ruleRef() > 0 ? "rule:" + e.ruleRef() : "default";
    }

    /** @param decisionId unique per event: the caller's run-scoped sequence number makes it so */
    public NetworkFlowDecision map(FlowEvent e, String decisionId) {
        return map(e, decisionId, policyDigest.get());
    }

    /**
     * As {@link #map(FlowEvent, String)}, stamped with the given policy digest instead of the one live now (an
     * event rebuilt for replay keeps the digest it was published with).
     */
    public NetworkFlowDecision map(FlowEvent e, String decisionId, String policyDigest) {
        boolean ports = Protocols.hasPorts(e.protocol());
        return new NetworkFlowDecision(
                NetworkFlowDecision.SCHEMA_VERSION,
                cellId,
                runId,
                decisionId,
                e.direction(),
                e.decision(),
                e.decision() == Decision.DENY ? denyReasonCode : reasonCode,
                ruleRef(e),
                IpText.of(e.srcHi(), e.srcLo()),
                ports && e.srcPort() >= 0 ? e.srcPort() : null,
                IpText.of(e.dstHi(), e.dstLo()),
                ports && e.dstPort() >= 0 ? e.dstPort() : null,
                Protocols.name(e.protocol()),
                e.packets() >= 0 ? e.packets() : null,
                e.bytes() >= 0 ? e.bytes() : null,
                policyDigest,
                keysetId,
                issuerKid,
                correlationId,
                observedAt.format(clock.toEpochNanos(e.monotonicNanos())));
    }
}
