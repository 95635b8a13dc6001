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

    private static FlowEvent opened(int sport) throws Exception {
        return new FlowEvent(FlowKind.OPENED, Direction.EGRESS, Decision.ALLOW, InetAddress.getByName("198.18.0.1"),
                sport, InetAddress.getByName("198.18.0.2"), 80, 6, 2, 1, 74, 1000, 2, 0);
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
        FlowHub groupHub = new FlowHub(new FlowDecisionMapper("c", "r", null, "ebpf_tc", clock), "p",
                100_000, 0, item -> {});
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
            inGroups.sighted(group, n);
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
        ledger.sighted(e); // the kernel re-reports a drained flow: a continuation, not a new flow
        ledger.drained(FlowKey.of(e), new FlowCounters(3, 300, 1000, 2000, 0x10));
        ledger.endOfDrain();
        ledger.drained(FlowKey.of(e), new FlowCounters(2, 120, 2100, 2200, 0x11)); // FIN
        ledger.endOfDrain(); // active this round: still open, so the final ACKs count
        ledger.endOfDrain(); // quiet after FIN: closed
        assertEquals(List.of("flow.opened:1/74", "flow.updated:3/300", "flow.updated:2/120", "flow.closed:5/420"),
                kinds(4));
        assertEquals(1, ledger.uniqueFlows());
        assertEquals(0, ledger.openFlows());
        assertEquals(1, ledger.closedFlows());
    }

    @Test
    void aDrainedFlowNotYetSightedIsOpenedFirstAndStopClosesEverything() throws Exception {
        FlowLedger ledger = new FlowLedger(hub, Duration.ofHours(1).toNanos());
        FlowEvent e = opened(40001);
        ledger.drained(FlowKey.of(e), new FlowCounters(4, 400, 1000, 2000, 0x10));
        ledger.sighted(e); // the ring record arrives late: already open
        ledger.closeAll();
        assertEquals(List.of("flow.opened:4/400", "flow.updated:4/400", "flow.closed:4/400"), kinds(3));
        assertEquals(1, ledger.uniqueFlows());
    }

    @Test
    void idleFlowsClose() throws Exception {
        FlowLedger ledger = new FlowLedger(hub, 0);
        ledger.sighted(opened(40002));
        ledger.endOfDrain();
        assertEquals(List.of("flow.opened:1/74", "flow.closed:0/0"), kinds(2));
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
            drain.add(new FlowLedger.Drained(FlowKey.of(e), new FlowCounters(1, 100, 1000, 2000, 0x10)));
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
            first.add(new FlowLedger.Drained(FlowKey.of(e), new FlowCounters(2, 200, 1000, 2000, 0x10)));
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
        assertEquals(2 * flows, seen.size());
        for (int i = 0; i < flows; i++) { // each drained flow: opened, then updated, in drain order
            assertEquals(FlowKind.OPENED, seen.get(2 * i).kind());
            assertEquals(FlowKind.UPDATED, seen.get(2 * i + 1).kind());
            assertEquals(1 + i, seen.get(2 * i + 1).decision().srcPort());
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
