package io.cellflow.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cellflow.flow.Direction;
import io.cellflow.flow.FlowKey;
import io.cellflow.flow.IpAddr;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The open-addressing table agrees with a HashMap through random adds and removals, growth and shrinking. */
class OpenFlowTableTest {
    @Test
    void behavesLikeAMap() {
        Random r = new Random(11);
        OpenFlowTable table = new OpenFlowTable();
        Map<FlowKey, OpenFlowTable.Flow> model = new HashMap<>();
        List<FlowKey> keys = new ArrayList<>();
        for (int i = 0; i < 3000; i++) { // few distinct ports and addresses: many collisions and long runs
            keys.add(new FlowKey(r.nextBoolean() ? Direction.EGRESS : Direction.INGRESS, r.nextBoolean() ? 6 : 17,
                    0, IpAddr.v4Lo(0xc6120000 | r.nextInt(4)), 40000 + r.nextInt(50), i % 7 == 0 ? 0x20010002L << 32 : 0,
                    IpAddr.v4Lo(0xc6120100 | r.nextInt(4)), 80 + r.nextInt(3)));
        }
        for (int step = 0; step < 100_000; step++) {
            FlowKey k = keys.get(r.nextInt(step < 50_000 ? keys.size() : 64)); // then shrink to a few keys
            OpenFlowTable.Flow f = table.get(k);
            assertSame(model.get(k), f);
            if (f == null && (step < 50_000 || r.nextInt(4) == 0)) {
                f = new OpenFlowTable.Flow(k);
                table.add(f);
                model.put(k, f);
            } else if (f != null && (step >= 50_000 || r.nextBoolean())) {
                assertTrue(table.remove(f));
                assertFalse(table.remove(f));
                model.remove(k);
            }
            assertEquals(model.size(), table.size());
        }
        for (FlowKey k : keys) {
            assertSame(model.get(k), table.get(k));
        }
        assertEquals(model.size(), table.select(x -> true).size());
        table.clear();
        assertEquals(0, table.size());
        assertNull(table.get(keys.get(0)));
    }
}
