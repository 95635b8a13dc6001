package io.cellflow.it;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/** No periodic drain during a test: flow-table entries stay in the kernel map for the test to read. */
public class NoDrainProfile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("cellflow.flows.drain-interval", "1h");
    }
}
