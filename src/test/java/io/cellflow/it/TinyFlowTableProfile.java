package io.cellflow.it;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/** A 64-entry flow table, no periodic drain and no early drain: more than 64 new flows fill the table. */
public class TinyFlowTableProfile implements QuarkusTestProfile {
    public static final int ENTRIES = 64;

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("cellflow.bpf.flow-table-entries", String.valueOf(ENTRIES), "cellflow.flows.drain-interval",
                "1h", "cellflow.flows.pressure-drain-fill", "0");
    }
}
