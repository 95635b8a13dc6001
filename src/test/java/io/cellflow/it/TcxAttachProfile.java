package io.cellflow.it;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/** Forces TCX links, the attach mode that the kernel undoes even when cellflow is killed. */
public class TcxAttachProfile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("cellflow.bpf.attach-mode", "tcx");
    }
}
