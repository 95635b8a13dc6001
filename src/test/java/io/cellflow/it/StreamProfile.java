package io.cellflow.it;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/**
 * A tiny replay buffer and a fast heartbeat, so their edges show in a short test; no periodic drain, whose
 * {@code flow.updated} events (paced over half the interval) would land between the sequence numbers the test
 * reads and overflow the 6-event buffer at random.
 */
public class StreamProfile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("cellflow.stream.replay-buffer", "6", "cellflow.stream.heartbeat", "1s",
                "cellflow.flows.drain-interval", "1h");
    }
}
