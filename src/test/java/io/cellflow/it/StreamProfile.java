package io.cellflow.it;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/** A tiny replay buffer and a fast heartbeat, so their edges show in a short test. */
public class StreamProfile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("cellflow.stream.replay-buffer", "6", "cellflow.stream.heartbeat", "1s");
    }
}
