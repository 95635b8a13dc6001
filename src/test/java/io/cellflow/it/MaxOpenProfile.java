package io.cellflow.it;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/** At most {@value #MAX_OPEN} open flows a cell, drained every 200 ms. */
public class MaxOpenProfile implements QuarkusTestProfile {
    public static final int MAX_OPEN = 8;

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("cellflow.flows.max-open", String.valueOf(MAX_OPEN), "cellflow.flows.drain-interval", "200ms");
    }
}
