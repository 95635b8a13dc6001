package io.cellflow.monitor;

import io.cellflow.flow.FlowDecisionMapper;
import io.cellflow.flow.FlowEvent;
import io.cellflow.flow.NetworkFlowDecision;

/**
 * What every event of one monitor run is stamped with when it becomes a {@link NetworkFlowDecision}: the run's
 * mapper, the {@code decision_id} prefix and the policy digest live when the event was published. One instance is
 * shared by the events of a run until the policy changes, so a published event carries its stamp instead of a
 * decision built up front (most events only ever become bytes on the wire, see {@code SseFrames}).
 *
 * @param policyDigest {@code null}: no policy, the field is omitted
 */
public record FlowStamp(FlowDecisionMapper mapper, String decisionPrefix, String policyDigest) {

    /** {@code <prefix>-<sequence>}: unique across runs. */
    public String decisionId(long sequence) {
        return decisionPrefix + "-" + sequence;
    }

    /** The decision of event {@code sequence}, as the stream and {@code /flows/recent} show it. */
    public NetworkFlowDecision decision(long sequence, FlowEvent event) {
        return mapper.map(event, decisionId(sequence), policyDigest);
    }
}
