package io.cellflow.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cellflow.flow.Decision;
import io.cellflow.flow.Direction;
import io.cellflow.flow.FlowCounters;
import io.cellflow.flow.FlowDecisionMapper;
import io.cellflow.flow.FlowEvent;
import io.cellflow.flow.FlowKey;
import io.cellflow.flow.FlowKind;
import io.cellflow.flow.MonotonicClock;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The flow state machine without a kernel: open once, deltas, close on FIN-then-quiet, idle, and stop. */
class FlowLedgerTest {
    private final FlowHub hub = new FlowHub(new FlowDecisionMapper("c", "r", null, "ebpf_tc", new MonotonicClock()),
            "p", 1000, 1000, item -> {});
    private final TestClient events = TestClient.of(hub, -1, false);

    /** A ring-buffer sighting of the flow's first packet: 1 packet, 74 bytes, counted by its open. */
    private static FlowEvent opened(int sport) throws Exception {
        return opened(sport, 1, 74);
    }

    private static FlowEvent opened(int sport, long packets, long bytes) throws Exception {
        return new FlowEvent(FlowKind.OPENED, Direction.EGRESS, Decision.ALLOW, InetAddress.getByName("198.18.0.1"),
                sport, InetAddress.getByName("198.18.0.2"), 80, 6, 2, packets, bytes, 1000, 2, 0);
    }

    private List<String> kinds(int n) {
        assertEquals(n, events.items.size());
        return events.items.stream().map(i -> {
            var f = (StreamItem.Flow) i;
            return f.kind().sseName() + ":" + f.decision().packetCount() + "/" + f.decision().byteCount();
        }).toList();
    }

    @Test
    void sightingsInGroupsAreSightingsOneByOne() throws Exception {
        MonotonicClock clock = new MonotonicClock();
        FlowHub oneHub = new FlowHub(new FlowDecisionMapper("c", "r", null, "ebpf_tc", clock), "p",
                100_000, 0, item -> {});
        TestClient one = TestClient.of(oneHub, -1, false);
        FlowLedger byOne = new FlowLedger(oneHub, Duration.ofHours(1).toNanos());
        List<Integer> groupSizes = new java.util.ArrayList<>();
        FlowHub groupHub = new FlowHub(new FlowDecisionMapper("c", "r", null, "ebpf_tc", clock), "p",
                100_000, 0, (FlowHub.Listener) (items, n) -> groupSizes.add(n));
        TestClient grouped = TestClient.of(groupHub, -1, false);
        FlowLedger inGroups = new FlowLedger(groupHub, Duration.ofHours(1).toNanos());
        java.util.Random r = new java.util.Random(1);
        io.cellflow.flow.FlowRecord[] group = new io.cellflow.flow.FlowRecord[FlowLedger.CHUNK];
        for (int round = 0; round < 300; round++) {
            int n = 1 + r.nextInt(FlowLedger.CHUNK);
            for (int i = 0; i < n; i++) { // repeats within and across groups, and denied packets
                FlowEvent e = new FlowEvent(FlowKind.OPENED, Direction.EGRESS,
                        r.nextInt(8) == 0 ? Decision.DENY : Decision.ALLOW, InetAddress.getByName("198.18.0.1"),
                        40000 + r.nextInt(3000), InetAddress.getByName("198.18.0.2"), 80, 6, 2, 1, 74, 1000 + i, 2, 0);
                group[i] = io.cellflow.flow.FlowRecord.of(e);
                byOne.sighted(e);
            }
            int before = grouped.items.size();
            groupSizes.clear();
            inGroups.sighted(group, n);
            int published = grouped.items.size() - before;
            assertEquals(published == 0 ? List.of() : List.of(published), groupSizes,
                    "a group's events reach the hub as one group");
        }
        assertTrue(byOne.uniqueFlows() > 1000);
        assertEquals(byOne.uniqueFlows(), inGroups.uniqueFlows());
        assertEquals(byOne.openFlows(), inGroups.openFlows());
        assertEquals(one.items.size(), grouped.items.size());
        for (int i = 0; i < one.items.size(); i++) {
            assertEquals(((StreamItem.Flow) one.items.get(i)).decision(),
                    ((StreamItem.Flow) grouped.items.get(i)).decision());
        }
    }

    @Test
    void opensOnceUpdatesWithDeltasAndClosesAfterFinThenQuiet() throws Exception {
        FlowLedger ledger = new FlowLedger(hub, Duration.ofHours(1).toNanos());
        FlowEvent e = opened(40000);
        ledger.sighted(e);
        // the entry whose record that was: 1 of its 3 packets was the record's
        ledger.drained(FlowKey.of(e), new FlowCounters(3, 300, 1000, 2000, 0x10, 1, 74));
        ledger.endOfDrain();
        ledger.sighted(e); // the drained flow's next entry's record: a continuation, not a new flow
        ledger.drained(FlowKey.of(e), new FlowCounters(2, 120, 2100, 2200, 0x11, 1, 74)); // FIN; the record's + 1
        ledger.endOfDrain(); // active this round: still open, so the final ACKs count
        ledger.endOfDrain(); // quiet after FIN: closed
        assertEquals(List.of("flow.opened:1/74", "flow.updated:2/226", "flow.updated:2/120", "flow.closed:5/420"),
                kinds(4));
        assertEquals(1, ledger.uniqueFlows());
        assertEquals(0, ledger.openFlows());
        assertEquals(1, ledger.closedFlows());
    }

    @Test
    void aDrainedFlowNotYetSightedIsOpenedFirstAndStopClosesEverything() throws Exception {
        FlowLedger ledger = new FlowLedger(hub, Duration.ofHours(1).toNanos());
        FlowEvent e = opened(40001);
        ledger.drained(FlowKey.of(e), new FlowCounters(4, 400, 1000, 2000, 0x10, 1, 74)); // all but its record's
        ledger.sighted(e); // the ring record arrives late: already open, its counts are reported before the close
        ledger.closeAll();
        assertEquals(List.of("flow.opened:3/326", "flow.updated:1/74", "flow.closed:4/400"), kinds(3));
        assertEquals(1, ledger.uniqueFlows());
    }

    @Test
    void idleFlowsClose() throws Exception {
        FlowLedger ledger = new FlowLedger(hub, 0);
        ledger.sighted(opened(40002));
        ledger.endOfDrain();
        assertEquals(List.of("flow.opened:1/74", "flow.closed:1/74"), kinds(2));
    }

    /** Beyond maxOpen the least recently active flows close early, with their totals, and are counted. */
    @Test
    void flowsBeyondMaxOpenCloseLeastRecentlyActiveFirst() throws Exception {
        long[] now = {1};
        FlowLedger ledger = new FlowLedger(hub, Duration.ofHours(1).toNanos(), 3, () -> now[0]);
        for (int p = 0; p < 5; p++) {
            now[0] = 10 + p;
            ledger.sighted(opened(41000 + p));
        }
        now[0] = 20; // 41000 active again, now the newest of the lane
        ledger.sighted(opened(41000));
        now[0] = 100;
        ledger.endOfDrain();
        assertEquals(3, ledger.openFlows());
        assertEquals(2, ledger.evictedFlows());
        assertEquals(2, ledger.closedFlows());
        List<String> closed = new ArrayList<>();
        for (StreamItem i : events.items) {
            var f = (StreamItem.Flow) i;
            if (f.kind() == FlowKind.CLOSED) {
                closed.add(f.decision().srcPort() + ":" + f.decision().packetCount());
            }
        }
        assertEquals(List.of("41001:1", "41002:1"), closed);
        ledger.endOfDrain(); // at the cap: nothing more closes
        assertEquals(2, ledger.evictedFlows());
        ledger.closeAll();
        assertEquals(5, ledger.closedFlows());
    }

    /** A one-packet flow is opened and closed: an entry that holds no more than its record sends nothing. */
    @Test
    void aDrainedEntryHoldingOnlyItsRecordSendsNoUpdate() throws Exception {
        FlowLedger ledger = new FlowLedger(hub, Duration.ofHours(1).toNanos());
        FlowEvent e = opened(40003);
        ledger.sighted(e);
        ledger.drained(FlowKey.of(e), new FlowCounters(1, 74, 1000, 1000, 0x02, 1, 74));
        ledger.endOfDrain();
        ledger.drained(FlowKey.of(e), new FlowCounters(1, 74, 3000, 3000, 0x10)); // no record (ring full): whole
        ledger.endOfDrain();
        ledger.closeAll();
        assertEquals(List.of("flow.opened:1/74", "flow.updated:1/74", "flow.closed:2/148"), kinds(3));
    }

    /**
     * A continuation whose entry held only its record: its counts are reported at the end of the drain round, not
     * held back until the flow's next update or its close.
     */
    @Test
    void aContinuationIsReportedByTheEndOfTheRound() throws Exception {
        FlowLedger ledger = new FlowLedger(hub, Duration.ofHours(1).toNanos());
        FlowEvent e = opened(40004);
        ledger.sighted(e);
        ledger.endOfDrain(); // its entry held only the record: skipped by the drainer
        ledger.sighted(e); // the next entry's record
        ledger.endOfDrain();
        assertEquals(List.of("flow.opened:1/74", "flow.updated:1/74"), kinds(2));
        assertEquals(1, ledger.openFlows());
    }

    /**
     * A long drain gives way: a sighting that arrives while the drain publishes waits for one chunk at most, not
     * for the whole drain. The drain is held at its first update until the sighting is queued on the lock.
     */
    @Test
    void aSightingWaitsForOneChunkNotTheWholeDrain() throws Exception {
        List<StreamItem.Flow> seen = Collections.synchronizedList(new ArrayList<>());
        AtomicReference<Thread> poller = new AtomicReference<>();
        AtomicReference<FlowLedger> ledgerRef = new AtomicReference<>();
        FlowEvent late = opened(50000);
        FlowHub h = new FlowHub(new FlowDecisionMapper("c", "r", null, "ebpf_tc", new MonotonicClock()), "p", 10,
                10, item -> {
                    seen.add(item);
                    if (item.kind() == FlowKind.UPDATED && poller.get() == null) {
                        Thread t = new Thread(() -> ledgerRef.get().sighted(late), "test-poller");
                        poller.set(t);
                        t.start();
                        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                        while (t.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
                            Thread.onSpinWait();
                        }
                    }
                });
        FlowLedger ledger = new FlowLedger(h, Duration.ofHours(1).toNanos());
        ledgerRef.set(ledger);
        int flows = 5 * FlowLedger.CHUNK;
        List<FlowLedger.Drained> drain = new ArrayList<>();
        for (int i = 0; i < flows; i++) {
            FlowEvent e = opened(40000 + i);
            ledger.sighted(e);
            drain.add(new FlowLedger.Drained(FlowKey.of(e), new FlowCounters(2, 174, 1000, 2000, 0x10)));
        }
        ledger.drained(drain);
        poller.get().join(TimeUnit.SECONDS.toMillis(10));

        List<FlowKind> kinds = seen.stream().map(StreamItem.Flow::kind).toList();
        int firstUpdate = kinds.indexOf(FlowKind.UPDATED);
        int lateOpen = kinds.lastIndexOf(FlowKind.OPENED);
        assertEquals(flows, firstUpdate);
        assertEquals(2 * flows + 1, kinds.size());
        assertTrue(lateOpen - firstUpdate <= FlowLedger.CHUNK,
                "the sighting waited for " + (lateOpen - firstUpdate) + " updates, more than one chunk");
        assertEquals(flows + 1, ledger.uniqueFlows());
    }

    /**
     * Thousands of flows, so the close pass spans several lock holds and the table grows and compacts: every flow
     * that saw FIN closes once with its totals, the others stay open, and a flow seen again after its close is a
     * new flow.
     */
    @Test
    void manyFlowsCloseOnceWithTheirTotalsAcrossScansAndCompaction() throws Exception {
        FlowLedger ledger = new FlowLedger(hub(100_000), Duration.ofHours(1).toNanos());
        int flows = 2 * FlowLedger.SCAN + 17;
        List<FlowLedger.Drained> first = new ArrayList<>();
        List<FlowLedger.Drained> fins = new ArrayList<>();
        for (int i = 0; i < flows; i++) {
            FlowEvent e = opened(1 + i);
            ledger.sighted(e);
            first.add(new FlowLedger.Drained(FlowKey.of(e), new FlowCounters(2, 200, 1000, 2000, 0x10, 1, 74)));
            if (i % 3 == 0) {
                fins.add(new FlowLedger.Drained(FlowKey.of(e), new FlowCounters(1, 60, 2100, 2200, 0x11)));
            }
        }
        ledger.drained(first);
        ledger.endOfDrain();
        ledger.drained(fins);
        ledger.endOfDrain(); // active this round
        ledger.endOfDrain(); // quiet after FIN: the FIN flows close
        assertEquals(flows, ledger.uniqueFlows());
        assertEquals(fins.size(), ledger.closedFlows());
        assertEquals(flows - fins.size(), ledger.openFlows());
        List<StreamItem.Flow> closed = bigEvents.items.stream().map(i -> (StreamItem.Flow) i)
                .filter(f -> f.kind() == FlowKind.CLOSED).toList();
        assertEquals(fins.size(), closed.size());
        assertEquals(fins.size(), closed.stream().map(f -> f.decision().srcPort()).distinct().count());
        for (StreamItem.Flow f : closed) {
            assertEquals(0, (f.decision().srcPort() - 1) % 3, "only FIN flows close");
            assertEquals(3L, f.decision().packetCount());
            assertEquals(260L, f.decision().byteCount());
        }

        FlowEvent again = opened(1); // closed above: its next packet starts a new flow
        ledger.sighted(again);
        assertEquals(flows + 1, ledger.uniqueFlows());
        ledger.closeAll();
        assertEquals(0, ledger.openFlows());
        assertEquals(flows + 1, ledger.closedFlows());
        long opened = bigEvents.items.stream().filter(i -> ((StreamItem.Flow) i).kind() == FlowKind.OPENED).count();
        long closes = bigEvents.items.stream().filter(i -> ((StreamItem.Flow) i).kind() == FlowKind.CLOSED).count();
        assertEquals(opened, closes, "every opened flow closed once");
    }

    /** Pacing spaces out events: a drain whose entries hold only what the flows' opens reported does not wait. */
    @Test
    void aDrainThatPublishesNothingIsNotPaced() throws Exception {
        List<Long> parks = new ArrayList<>();
        DrainPacer pacer = new DrainPacer(1_000_000, () -> 0L, parks::add);
        FlowLedger ledger = new FlowLedger(hub(100_000), Duration.ofHours(1).toNanos());
        int flows = 4 * FlowLedger.CHUNK + 1;
        List<FlowLedger.Drained> drain = new ArrayList<>();
        for (int i = 0; i < flows; i++) {
            FlowEvent e = opened(1 + i);
            ledger.sighted(e);
            drain.add(new FlowLedger.Drained(FlowKey.of(e), new FlowCounters(1, 74, 1000, 1000, 0x02, 1, 74)));
        }
        pacer.beginRound();
        ledger.drained(drain, pacer);
        pacer.endRound();
        assertEquals(List.of(), parks);
        assertEquals(flows, bigEvents.items.size(), "the opens, nothing else");
    }

    /** A paced drain publishes the same events in the same order as an unpaced one. */
    @Test
    void aPacedDrainAppliesEverythingInOrder() throws Exception {
        List<Long> parks = new ArrayList<>();
        // a clock that stands still: the budget never runs out, so the gaps counted do not depend on the machine's speed
        DrainPacer pacer = new DrainPacer(1_000_000, () -> 0L, parks::add);
        FlowLedger ledger = new FlowLedger(hub(100_000), Duration.ofHours(1).toNanos());
        int flows = 4 * FlowLedger.CHUNK + 1;
        List<FlowLedger.Drained> drain = new ArrayList<>();
        for (int i = 0; i < flows; i++) {
            drain.add(new FlowLedger.Drained(FlowKey.of(opened(1 + i)), new FlowCounters(1, 60, 1000, 2000, 0x10)));
        }
        pacer.beginRound();
        ledger.drained(drain, pacer);
        ledger.endOfDrain(pacer);
        pacer.endRound();
        assertEquals(4, parks.size(), "one gap between each two of the 5 chunks");
        List<StreamItem.Flow> seen = bigEvents.items.stream().map(i -> (StreamItem.Flow) i).toList();
        assertEquals(flows, seen.size());
        for (int i = 0; i < flows; i++) { // each drained flow opened with its counts, in drain order
            assertEquals(FlowKind.OPENED, seen.get(i).kind());
            assertEquals(1 + i, seen.get(i).decision().srcPort());
            assertEquals(1L, seen.get(i).decision().packetCount());
        }
    }

    /** What a flow's life in the ledger should be, by the rules in the ledger's comment. */
    private static final class ModelFlow {
        long packets;

        long lastActiveAt;
        long round;
        boolean ending;
    }

    /**
     * Random rounds of sightings, drains with FIN and RST, sightings during a drain (stamped later than the drain:
     * the clocks of the two lanes interleave), idle timeouts and bursts that make the table grow and compact: each
     * round closes exactly the flows a brute-force model closes, with their totals.
     */
    @Test
    void closesWhatABruteForceModelCloses() throws Exception {
        for (long seed = 1; seed <= 8; seed++) {
            closesWhatTheModelCloses(new java.util.Random(seed));
        }
    }

    private void closesWhatTheModelCloses(java.util.Random r) throws Exception {
        long idle = 1_000;
        long[] clock = {1_000_000};
        FlowLedger ledger = new FlowLedger(hub(1_000_000), idle, () -> clock[0]);
        java.util.Map<Integer, ModelFlow> model = new java.util.HashMap<>();
        long[] unique = {0};
        long[] round = {0};
        int[] nextPort = {1};
        List<List<Integer>> gaps = new ArrayList<>(); // what the poller sights between two chunks
        int[] gap = {0};
        boolean[] inClose = {false};
        java.util.function.IntConsumer sight = port -> { // a record of one packet: a new flow, or a continuation
            ModelFlow f = model.get(port);
            if (f == null) {
                f = new ModelFlow();
                model.put(port, f);
                unique[0]++;
            }
            f.packets++;
            f.lastActiveAt = clock[0];
            f.round = round[0];
        };
        // a late ring record, during a drain that may already have opened its flow: without counts, so that
        // whether it came before or after its entry does not matter
        java.util.function.IntConsumer sightLate = port -> {
            if (!model.containsKey(port)) {
                ModelFlow f = new ModelFlow();
                f.lastActiveAt = clock[0];
                f.round = round[0];
                model.put(port, f);
                unique[0]++;
            }
        };
        DrainPacer pacer = new DrainPacer(1_000_000, () -> 0L, nanos -> {
            clock[0] += 1 + r.nextInt(30);
            if (inClose[0]) { // only new flows: whether a closing flow is still open depends on the chunk
                for (int i = r.nextInt(3); i > 0; i--) {
                    int port = nextPort[0]++;
                    sighted(ledger, port);
                    sight.accept(port);
                }
                return;
            }
            if (gap[0] < gaps.size()) {
                for (int port : gaps.get(gap[0]++)) {
                    sightedLate(ledger, port);
                    sightLate.accept(port);
                }
            }
        });
        int mark = 0;
        for (int rounds = 0; rounds < 60; rounds++) {
            boolean burst = rounds % 20 == 5;
            for (int i = burst ? 5_000 : r.nextInt(40); i > 0; i--) { // first sightings, and repeats
                int port = r.nextInt(4) == 0 && nextPort[0] > 1 ? 1 + r.nextInt(nextPort[0] - 1) : nextPort[0]++;
                sighted(ledger, port);
                sight.accept(port);
                clock[0] += r.nextInt(3);
            }
            clock[0] += r.nextInt(400);
            List<FlowLedger.Drained> drain = new ArrayList<>();
            List<Integer> ports = new ArrayList<>(model.keySet());
            java.util.Collections.shuffle(ports, r);
            for (int port : ports.subList(0, Math.min(ports.size(), r.nextInt(300)))) {
                int flags = r.nextInt(10) == 0 ? (r.nextBoolean() ? 0x11 : 0x14) : 0x10;
                drain.add(new FlowLedger.Drained(FlowKey.of(opened(port)),
                        new FlowCounters(r.nextInt(5) == 0 ? 0 : 1 + r.nextInt(4), 100, 10, 20, flags)));
            }
            for (int i = r.nextInt(5); i > 0; i--) { // seen by a drain before its ring record
                drain.add(new FlowLedger.Drained(FlowKey.of(opened(nextPort[0]++)),
                        new FlowCounters(1, 100, 10, 20, 0x10)));
            }
            gaps.clear();
            gap[0] = 0;
            for (int g = 1; g < (drain.size() + FlowLedger.CHUNK - 1) / FlowLedger.CHUNK; g++) {
                List<Integer> sighted = new ArrayList<>();
                for (int i = r.nextInt(4); i > 0; i--) { // a flow with packets in this drain, or a new one
                    FlowLedger.Drained d = drain.get(r.nextInt(drain.size()));
                    sighted.add(r.nextBoolean() && d.counters().packets() > 0 ? d.key().srcPort() : nextPort[0]++);
                }
                gaps.add(sighted);
            }
            long now = clock[0];
            pacer.beginRound();
            ledger.drained(drain, pacer); // the pacer's park sights the gaps into the ledger and the model
            pacer.endRound();
            // the entries, in the model: after the gaps' sightings, not between them as in the ledger, which is
            // the same here: a gap sights a new flow or one with packets in this drain, whose entry stamps the
            // drain's start whether the sighting came before or after it
            for (FlowLedger.Drained d : drain) {
                int port = d.key().srcPort();
                ModelFlow f = model.get(port);
                if (f == null) {
                    f = new ModelFlow();
                    f.lastActiveAt = now;
                    f.round = round[0];
                    model.put(port, f);
                    unique[0]++;
                }
                long packets = d.counters().packets(); // entries without a record: counted whole
                if (packets > 0) {
                    f.packets += packets;
                    f.ending |= d.counters().ending();
                    f.lastActiveAt = now;
                    f.round = round[0];
                }
            }
            clock[0] += r.nextInt(burst ? 2_000 : 600);

            // the close pass: the model's due flows, in any order, each with its totals
            long closeNow = clock[0];
            java.util.Map<Integer, Long> due = new java.util.HashMap<>();
            for (var e : model.entrySet()) {
                ModelFlow f = e.getValue();
                if (f.ending && f.round < round[0] || closeNow - f.lastActiveAt >= idle) {
                    due.put(e.getKey(), f.packets);
                }
            }
            due.keySet().forEach(model::remove);
            pacer.beginRound();
            inClose[0] = true;
            ledger.endOfDrain(pacer);
            inClose[0] = false;
            pacer.endRound();
            round[0]++;
            java.util.Map<Integer, Long> closed = new java.util.HashMap<>();
            List<StreamItem> items = bigEvents.items;
            for (int i = mark; i < items.size(); i++) {
                var f = (StreamItem.Flow) items.get(i);
                if (f.kind() == FlowKind.CLOSED) {
                    assertEquals(null, closed.put(f.decision().srcPort(), f.decision().packetCount()),
                            "closed twice");
                }
            }
            mark = items.size();
            assertEquals(new java.util.TreeMap<>(due), new java.util.TreeMap<>(closed), "round " + rounds);
            assertEquals(model.size(), ledger.openFlows());
            assertEquals(unique[0], ledger.uniqueFlows());
        }
    }

    private static void sighted(FlowLedger ledger, int port) {
        try {
            ledger.sighted(opened(port));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static void sightedLate(FlowLedger ledger, int port) {
        try {
            ledger.sighted(opened(port, 0, 0));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private TestClient bigEvents;

    private FlowHub hub(int buffer) {
        FlowHub h = new FlowHub(new FlowDecisionMapper("c", "r", null, "ebpf_tc", new MonotonicClock()), "p", buffer,
                buffer, item -> {});
        bigEvents = TestClient.of(h, -1, false);
        return h;
    }
}
