package io.cellflow.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cellflow.flow.Direction;
import io.cellflow.flow.FlowKey;
import io.cellflow.flow.IpAddr;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The close pass over the table's activity lists picks exactly the flows, in exactly the order, that a scan over
 * every id picks, through random adds, touches in both lanes (also with times that go back), FIN/RST, removals,
 * growth and compaction, whatever the steps it is walked in; and the lists stay what they claim to be.
 */
class DueScanTest {
    /** What the test expects of one open flow. */
    private static final class Expected {
        long lastActiveAt;
        long round;
        boolean ending;
    }

    @Test
    void picksWhatAScanOverEveryIdPicks() {
        for (long seed = 1; seed <= 30; seed++) {
            run(new Random(seed));
        }
    }

    private static void run(Random r) {
        OpenFlowTable table = new OpenFlowTable();
        Map<FlowKey, Expected> model = new HashMap<>();
        List<FlowKey> openKeys = new ArrayList<>();
        long[] laneTime = {1_000, 1_000};
        long round = 0;
        int port = 0;
        int steps = 2_000 + r.nextInt(4_000);
        for (int step = 0; step < steps; step++) {
            int op = r.nextInt(100);
            if (op < 30 || openKeys.isEmpty()) { // a new flow, touched at once (the ledger always does)
                FlowKey k = new FlowKey(r.nextBoolean() ? Direction.EGRESS : Direction.INGRESS, 6, 0,
                        IpAddr.v4Lo(0xc6120001), 1 + port++ % 60_000, 0, IpAddr.v4Lo(0xc6120002), 80 + port / 60_000);
                int id = table.add(k);
                model.put(k, new Expected());
                openKeys.add(k);
                touch(table, model, k, id, r, laneTime, round);
            } else if (op < 60) {
                FlowKey k = openKeys.get(r.nextInt(openKeys.size()));
                touch(table, model, k, table.find(k), r, laneTime, round);
            } else if (op < 66) { // FIN or RST, then the touch the ledger makes after a count
                FlowKey k = openKeys.get(r.nextInt(openKeys.size()));
                int id = table.find(k);
                table.count(id, 1, 60, 5, 0x11, true);
                model.get(k).ending = true;
                touch(table, model, k, id, r, laneTime, round);
            } else if (op < 72) {
                int i = r.nextInt(openKeys.size());
                FlowKey k = openKeys.get(i);
                assertTrue(table.remove(table.find(k)));
                model.remove(k);
                openKeys.set(i, openKeys.get(openKeys.size() - 1));
                openKeys.remove(openKeys.size() - 1);
            } else if (op < 75) {
                round++;
            } else if (op < 97) { // the pass, compared with a scan over every id; then its flows close
                long now = Math.max(laneTime[0], laneTime[1]) + r.nextInt(400) - 200;
                long idle = r.nextInt(4) == 0 ? r.nextInt(3) : r.nextInt(2_000);
                OpenFlowTable.DueScan scan = new OpenFlowTable.DueScan(round, now, idle);
                int budget = 1 + r.nextInt(r.nextBoolean() ? 5 : 5_000);
                while (!scan.finished()) {
                    table.scanDue(scan, budget);
                }
                int[] expected = bruteForce(table, model, round, now, idle);
                assertEquals(Arrays.toString(expected), Arrays.toString(Arrays.copyOf(scan.sortedDue(), scan.count())));
                if (r.nextInt(3) > 0) {
                    for (int i = 0; i < scan.count(); i++) {
                        FlowKey k = key(table, scan.due()[i]);
                        assertTrue(table.remove(scan.due()[i]));
                        model.remove(k);
                        openKeys.remove(k);
                    }
                }
                table.compact();
            } else { // a burst ends: most flows go, so that the table compacts
                int keep = openKeys.size() / 10;
                while (openKeys.size() > keep) {
                    FlowKey k = openKeys.remove(openKeys.size() - 1);
                    assertTrue(table.remove(table.find(k)));
                    model.remove(k);
                }
                table.compact();
            }
            checkLists(table, model);
        }
    }

    /**
     * With a cap: the pass also picks the least recently active flows of the lanes, as many as the table holds
     * beyond {@code maxOpen} after the due ones, never a flow of the ending list or one touched at or after the
     * pass's time, and never one newer than an eligible flow it left.
     */
    @Test
    void evictsTheLeastRecentlyActiveBeyondMaxOpen() {
        for (long seed = 1; seed <= 30; seed++) {
            Random r = new Random(seed);
            OpenFlowTable table = new OpenFlowTable();
            Map<FlowKey, Expected> model = new HashMap<>();
            long[] laneTime = {1_000, 1_000};
            int n = 200 + r.nextInt(2_000);
            for (int p = 0; p < n; p++) {
                FlowKey k = new FlowKey(Direction.EGRESS, 17, 0, IpAddr.v4Lo(0xc6120001), 1 + p, 0,
                        IpAddr.v4Lo(0xc6120002), 53);
                int id = table.add(k);
                model.put(k, new Expected());
                if (r.nextInt(10) == 0) {
                    table.count(id, 1, 60, 5, 0x11, true);
                    model.get(k).ending = true;
                }
                touch(table, model, k, id, r, laneTime, 3);
            }
            long now = Math.max(laneTime[0], laneTime[1]) - r.nextInt(300); // some flows are newer than the pass
            long idle = r.nextInt(3) == 0 ? 300 : 1_000_000;
            int maxOpen = r.nextInt(n + 1) + 1;
            OpenFlowTable.DueScan scan = new OpenFlowTable.DueScan(3, now, idle, maxOpen);
            int budget = 1 + r.nextInt(300);
            while (!scan.finished()) {
                table.scanDue(scan, budget);
            }
            int[] due = bruteForce(table, model, 3, now, idle);
            java.util.Set<Integer> picked = new java.util.HashSet<>();
            for (int i = 0; i < scan.count(); i++) {
                assertTrue(picked.add(scan.due()[i]), "picked twice: " + scan.due()[i]);
            }
            java.util.Set<Integer> dueSet = new java.util.HashSet<>();
            for (int id : due) {
                dueSet.add(id);
                assertTrue(picked.contains(id), "due flow " + id + " not picked");
            }
            List<Long> evictedTimes = new ArrayList<>();
            List<Long> eligibleLeft = new ArrayList<>();
            for (int id = 0; id < table.idLimit(); id++) {
                if (!table.isOpen(id) || dueSet.contains(id)) {
                    continue;
                }
                boolean eligible = table.listOf(id) != OpenFlowTable.ENDING && table.lastActiveAt(id) < now;
                if (picked.contains(id)) {
                    assertTrue(eligible, "evicted flow " + id + " is ending or newer than the pass");
                    evictedTimes.add(table.lastActiveAt(id));
                } else if (eligible) {
                    eligibleLeft.add(table.lastActiveAt(id));
                }
            }
            int want = Math.max(0, table.size() - due.length - maxOpen);
            assertEquals(Math.min(want, evictedTimes.size() + eligibleLeft.size()), evictedTimes.size(),
                    "seed " + seed);
            assertEquals(evictedTimes.size(), scan.evicted());
            if (!evictedTimes.isEmpty() && !eligibleLeft.isEmpty()) {
                assertTrue(java.util.Collections.max(evictedTimes) <= java.util.Collections.min(eligibleLeft),
                        "an older flow was left while a newer one was evicted (seed " + seed + ")");
            }
        }
    }

    /** Touches in a random lane, mostly later than the lane's last touch, sometimes earlier. */
    private static void touch(OpenFlowTable t, Map<FlowKey, Expected> model, FlowKey k, int id, Random r,
            long[] laneTime, long round) {
        int lane = r.nextBoolean() ? OpenFlowTable.SIGHTED : OpenFlowTable.DRAINED;
        long at = r.nextInt(20) == 0 ? laneTime[lane] - r.nextInt(500) : (laneTime[lane] += r.nextInt(50));
        t.touch(id, 7, round, at, lane);
        Expected e = model.get(k);
        e.lastActiveAt = at;
        e.round = round;
    }

    private static int[] bruteForce(OpenFlowTable t, Map<FlowKey, Expected> model, long round, long now, long idle) {
        List<Integer> due = new ArrayList<>();
        for (int id = 0; id < t.idLimit(); id++) {
            if (!t.isOpen(id)) {
                continue;
            }
            Expected e = model.get(key(t, id));
            if (e.ending && e.round < round || now - e.lastActiveAt >= idle) {
                due.add(id);
            }
        }
        return due.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Every open flow is in one list; the lanes are in time order; the ending list holds the ending flows. */
    private static void checkLists(OpenFlowTable t, Map<FlowKey, Expected> model) {
        int linked = 0;
        for (int list : new int[] {OpenFlowTable.SIGHTED, OpenFlowTable.DRAINED, OpenFlowTable.ENDING}) {
            long last = Long.MIN_VALUE;
            for (int id = t.first(list); id >= 0; id = t.next(id)) {
                assertTrue(t.isOpen(id));
                assertEquals(list, t.listOf(id));
                Expected e = model.get(key(t, id));
                assertEquals(e.lastActiveAt, t.lastActiveAt(id));
                assertEquals(e.ending, list == OpenFlowTable.ENDING);
                assertEquals(e.ending, t.ending(id));
                if (list != OpenFlowTable.ENDING) {
                    assertTrue(last <= t.lastActiveAt(id), "lane " + list + " out of time order");
                    last = t.lastActiveAt(id);
                }
                linked++;
                assertTrue(linked <= t.size(), "a list loops");
            }
        }
        assertEquals(t.size(), linked);
        assertEquals(model.size(), t.size());
    }

    private static FlowKey key(OpenFlowTable t, int id) {
        return new FlowKey(t.direction(id), t.protocol(id), t.srcHi(id), t.srcLo(id), t.srcPort(id), t.dstHi(id),
                t.dstLo(id), t.dstPort(id));
    }
}
