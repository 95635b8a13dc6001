package io.cellflow.it;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/** Forces the tc clsact path that kernels without TCX take. */
public class TcAttachProfile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("cellflow.bpf.attach-mode", "tc");
    }
}
