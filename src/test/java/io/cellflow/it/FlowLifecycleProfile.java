package io.cellflow.it;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/** Fast drains and a short idle timeout, so a flow's whole life fits in a short test. */
public class FlowLifecycleProfile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("cellflow.flows.drain-interval", "500ms", "cellflow.flows.idle-timeout", "3s");
    }
}
