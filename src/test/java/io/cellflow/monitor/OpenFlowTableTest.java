package io.cellflow.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

/**
 * The primitive open-flow table agrees with a HashMap through random adds and removals, growth and compaction,
 * and gives back every field it was given.
 */
class OpenFlowTableTest {
    private static List<FlowKey> keys(Random r, int n) {
        List<FlowKey> keys = new ArrayList<>();
        for (int i = 0; i < n; i++) { // few distinct ports and addresses: many collisions and long runs
            keys.add(new FlowKey(r.nextBoolean() ? Direction.EGRESS : Direction.INGRESS, r.nextBoolean() ? 6 : 17,
                    0, IpAddr.v4Lo(0xc6120000 | r.nextInt(4)), 40000 + r.nextInt(50), i % 7 == 0 ? 0x20010002L << 32 : 0,
                    IpAddr.v4Lo(0xc6120100 | r.nextInt(4)), 80 + r.nextInt(3)));
        }
        return keys;
    }

    /** What the test expects of one open flow: its key and the packets counted into it. */
    private static long packetsOf(FlowKey k) {
        return (k.hashCode() & 0xffff) + 1L;
    }

    @Test
    void behavesLikeAMapThroughGrowthAndCompaction() {
        Random r = new Random(11);
        OpenFlowTable table = new OpenFlowTable();
        Map<FlowKey, Integer> model = new HashMap<>();
        List<FlowKey> keys = keys(r, 3000);
        for (int step = 0; step < 100_000; step++) {
            FlowKey k = keys.get(r.nextInt(step < 50_000 ? keys.size() : 64)); // then shrink to a few keys
            int id = table.find(k);
            assertEquals(model.getOrDefault(k, -1), id);
            if (id < 0 && (step < 50_000 || r.nextInt(4) == 0)) {
                id = table.add(k);
                table.count(id, packetsOf(k), 0, 0, 0, false);
                model.put(k, id);
            } else if (id >= 0 && (step >= 50_000 || r.nextBoolean())) {
                assertTrue(table.remove(id));
                assertFalse(table.remove(id));
                model.remove(k);
            }
            if (step % 1000 == 999) { // as the ledger does after a drain: ids move, so look them up again
                table.compact();
                model.replaceAll((key, old) -> table.find(key));
            }
            assertEquals(model.size(), table.size());
        }
        for (FlowKey k : keys) {
            int id = table.find(k);
            assertEquals(model.getOrDefault(k, -1), id);
            if (id >= 0) {
                assertEquals(k, key(table, id));
                assertEquals(packetsOf(k), table.packets(id));
            }
        }
        int open = 0;
        for (int id = 0; id < table.idLimit(); id++) {
            open += table.isOpen(id) ? 1 : 0;
        }
        assertEquals(model.size(), open);
        table.clear();
        assertEquals(0, table.size());
        assertEquals(-1, table.find(keys.get(0)));
    }

    /**
     * Past the first page of rows (8192 ids): growth adds pages and moves no row, so ids, fields and the lane's
     * order all hold through it, through removals and through a compaction.
     */
    @Test
    void keepsIdsFieldsAndOrderAcrossPagesOfRows() {
        OpenFlowTable table = new OpenFlowTable();
        int n = 40_000;
        List<FlowKey> keys = new ArrayList<>();
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            FlowKey k = new FlowKey(Direction.EGRESS, 17, 0, IpAddr.v4Lo(0xc6120000 | i >>> 16), i & 0xffff, 0,
                    IpAddr.v4Lo(0xc6120101), 53);
            keys.add(k);
            ids[i] = table.add(k);
            table.count(ids[i], i + 1, 2L * i, i, 0, false);
            table.touch(ids[i], i, 1, 1_000 + i);
            if (i % 1000 == 999) { // ids stay put while the table grows
                for (int j = 0; j <= i; j += 997) {
                    assertEquals(ids[j], table.find(keys.get(j)));
                }
            }
        }
        assertLane(table, keys, i -> true);
        for (int i = 0; i < n; i++) {
            if (i % 8 != 0) {
                assertTrue(table.remove(ids[i]));
            }
        }
        assertLane(table, keys, i -> i % 8 == 0);
        table.compact(); // 5,000 of 65,536 ids open: down to two pages, every id moves
        assertLane(table, keys, i -> i % 8 == 0);
        for (int i = 0; i < n; i++) {
            int id = table.find(keys.get(i));
            assertEquals(i % 8 == 0, id >= 0);
            if (id >= 0) {
                assertEquals(keys.get(i), key(table, id));
                assertEquals(i + 1, table.packets(id));
                assertEquals(2L * i, table.bytes(id));
                assertEquals(1_000 + i, table.lastActiveAt(id));
            }
        }
        assertEquals(n / 8, table.size());
    }

    /** The sighted lane holds exactly the kept flows, oldest first (the order they were touched in). */
    private static void assertLane(OpenFlowTable table, List<FlowKey> keys, java.util.function.IntPredicate kept) {
        int id = table.first(OpenFlowTable.SIGHTED);
        for (int i = 0; i < keys.size(); i++) {
            if (kept.test(i)) {
                assertEquals(keys.get(i), key(table, id), "flow " + i + " in its place in the lane");
                id = table.next(id);
            }
        }
        assertEquals(-1, id, "nothing after the newest");
    }

    @Test
    void findOrAddIsFindThenAddInOneProbe() {
        Random r = new Random(5);
        OpenFlowTable table = new OpenFlowTable();
        Map<FlowKey, Integer> model = new HashMap<>();
        List<FlowKey> keys = keys(r, 5000);
        for (int step = 0; step < 60_000; step++) {
            FlowKey k = keys.get(r.nextInt(keys.size()));
            int got = table.findOrAdd(k.direction(), k.protocol(), k.srcHi(), k.srcLo(), k.srcPort(), k.dstHi(),
                    k.dstLo(), k.dstPort());
            Integer known = model.get(k);
            if (known != null) {
                assertEquals(known, got);
                if (r.nextInt(3) == 0) {
                    assertTrue(table.remove(got));
                    model.remove(k);
                }
            } else {
                assertTrue(got < 0, "a new flow is added");
                int id = -got - 1;
                assertEquals(k, key(table, id));
                assertEquals(0, table.packets(id));
                assertEquals(id, table.find(k));
                model.put(k, id);
            }
            assertEquals(model.size(), table.size());
        }
    }

    @Test
    void keepsEveryFieldOfAFlow() {
        OpenFlowTable table = new OpenFlowTable();
        FlowKey icmp = new FlowKey(Direction.INGRESS, 58, 0x20010db8L << 32, 1, -1, 0x20010db8L << 32, 2, 0x8000);
        int id = table.add(icmp);
        assertEquals(icmp, key(table, id));
        table.touch(id, 100, 7, 1000);
        table.count(id, 3, 300, 90, 0x02, false); // an earlier last packet does not move lastNanos back
        table.count(id, 2, 120, 200, 0x11, true);
        assertEquals(5, table.packets(id));
        assertEquals(420, table.bytes(id));
        assertEquals(200, table.lastNanos(id));
        assertEquals(0x13, table.tcpFlags(id));
        assertTrue(table.ending(id));
        assertEquals(7, table.lastActiveRound(id));
        assertEquals(1000, table.lastActiveAt(id));
    }

    @Test
    void aFreedIdIsReusedWithFreshCounts() {
        OpenFlowTable table = new OpenFlowTable();
        List<FlowKey> keys = keys(new Random(3), 2);
        int first = table.add(keys.get(0));
        table.count(first, 5, 500, 50, 0x04, true);
        table.remove(first);
        int second = table.add(keys.get(1));
        assertEquals(first, second);
        assertEquals(0, table.packets(second));
        assertEquals(0, table.tcpFlags(second));
        assertFalse(table.ending(second));
        assertEquals(-1, table.find(keys.get(0)));
    }

    private static FlowKey key(OpenFlowTable t, int id) {
        return new FlowKey(t.direction(id), t.protocol(id), t.srcHi(id), t.srcLo(id), t.srcPort(id), t.dstHi(id),
                t.dstLo(id), t.dstPort(id));
    }
}
