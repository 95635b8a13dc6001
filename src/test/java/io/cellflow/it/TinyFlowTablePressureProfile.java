package io.cellflow.it;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/** A 64-entry flow table and no periodic drain: only the early drain at half the table empties it. */
public class TinyFlowTablePressureProfile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("cellflow.bpf.flow-table-entries", String.valueOf(TinyFlowTableProfile.ENTRIES),
                "cellflow.flows.drain-interval", "1h", "cellflow.flows.pressure-drain-fill", "0.5");
    }
}
