package io.cellflow.it;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/** One preloaded BPF object (the test configuration turns the pool off elsewhere). */
public class PreloadProfile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("cellflow.bpf.preloaded-objects", "1");
    }
}
