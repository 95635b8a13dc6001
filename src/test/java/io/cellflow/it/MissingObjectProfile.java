package io.cellflow.it;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/** The eBPF backend pointed at an object file that does not exist. */
public class MissingObjectProfile implements QuarkusTestProfile {
    public static final String PATH = "/nonexistent/cellflow-test.bpf.o";

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("cellflow.bpf.object-path", PATH);
    }
}
