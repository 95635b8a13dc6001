package io.cellflow.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cellflow.flow.Decision;
import io.cellflow.flow.Direction;
import io.cellflow.flow.FlowDecisionMapper;
import io.cellflow.flow.FlowEvent;
import io.cellflow.flow.FlowKind;
import io.cellflow.flow.MonotonicClock;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The hub's promises, without a kernel: replay after an id, gap notices, and a slow client that never blocks. */
class FlowHubTest {
    private static FlowHub hub(int clientBuffer, int replay) {
        return new FlowHub(new FlowDecisionMapper("c", "r", null, "ebpf_tc", new MonotonicClock()), "p",
                clientBuffer, replay, item -> {});
    }

    private static FlowEvent event(int port) throws Exception {
        return new FlowEvent(FlowKind.OPENED, Direction.EGRESS, Decision.ALLOW, InetAddress.getByName("198.18.0.1"),
                port, InetAddress.getByName("198.18.0.2"), 53, 17, 0, 1, 60, System.nanoTime(), 2, 0);
    }

    private static long flows(List<StreamItem> items) {
        return items.stream().filter(i -> i instanceof StreamItem.Flow).count();
    }

    @Test
    void resumesAfterAnIdWithExactlyTheMissedEventsThenLive() throws Exception {
        FlowHub hub = hub(100, 100);
        for (int i = 1; i <= 5; i++) {
            hub.publish(event(1000 + i));
        }
        TestClient client = TestClient.of(hub, 3, false);
        hub.publish(event(1006));
        assertEquals(List.of(4L, 5L, 6L), client.items.stream().map(i -> ((StreamItem.Flow) i).sequence()).toList());
        assertEquals(1, hub.clients());
        hub.complete();
        assertTrue(client.ended(), "the stream ends when the hub completes");
        assertEquals(0, hub.clients());
    }

    @Test
    void eventsThatFellOutOfTheReplayBufferAreCountedFirst() throws Exception {
        FlowHub hub = hub(100, 3);
        for (int i = 1; i <= 10; i++) {
            hub.publish(event(1000 + i));
        }
        TestClient client = TestClient.of(hub, 2, false);
        assertEquals(4, client.items.size());
        assertEquals(new StreamItem.Lost(5, StreamItem.Lost.REPLAY_BUFFER), client.items.get(0));
        assertEquals(8, ((StreamItem.Flow) client.items.get(1)).sequence());
        assertEquals(List.of(8L, 9L, 10L), hub.recent(5).stream().map(StreamItem.Flow::sequence).toList());
    }

    @Test
    void aSlowClientLosesOnlyItsOwnEventsAndIsToldHowMany() throws Exception {
        FlowHub hub = hub(8, 100);
        TestClient slow = TestClient.of(hub, -1, true);
        TestClient fast = TestClient.of(hub, -1, false);
        for (int i = 1; i <= 2000; i++) {
            hub.publish(event(i)); // never blocks, whatever the slow client does
        }
        assertEquals(2000, flows(fast.items), "the fast client got everything");

        hub.complete();
        slow.drain();
        assertTrue(slow.ended());
        long got = flows(slow.items);
        long missed = slow.items.stream().filter(i -> i instanceof StreamItem.Lost)
                .mapToLong(i -> ((StreamItem.Lost) i).missed()).sum();
        assertTrue(missed > 0, "the slow client was told it missed events");
        assertEquals(2000, got + missed, "every event is either delivered or counted as lost");
        assertEquals(missed, hub.slowClientDrops(), "counted after the client left, too");
    }

    @Test
    void aClientIsWokenOncePerBatchNotPerEvent() throws Exception {
        FlowHub hub = hub(100, 100);
        TestClient held = TestClient.of(hub, -1, true);
        held.drain(); // finds nothing: parked
        for (int i = 1; i <= 50; i++) {
            hub.publish(event(i));
        }
        assertEquals(1, held.wakeups(), "the first event wakes the parked client, the rest wait for its drain");
        held.drain();
        assertEquals(50, flows(held.items));
        hub.publish(event(51));
        assertEquals(2, held.wakeups(), "drained empty: parked again");
        held.drain();
        assertFalse(held.ended());
        hub.complete();
        assertEquals(3, held.wakeups(), "the end wakes it too");
        held.drain();
        assertTrue(held.ended());
    }
    @Test
    void aGroupIsSequencedKeptAndDeliveredInOrderWithOneWakeupAndOneListenerCall() throws Exception {
        List<Integer> groups = new java.util.ArrayList<>();
        List<Long> told = new java.util.ArrayList<>();
        FlowHub hub = new FlowHub(new FlowDecisionMapper("c", "r", null, "ebpf_tc", new MonotonicClock()), "p", 4,
                100, (FlowHub.Listener) (items, n) -> {
                    groups.add(n);
                    for (int i = 0; i < n; i++) {
                        told.add(items[i].sequence());
                    }
                });
        hub.publish(event(1));
        TestClient held = TestClient.of(hub, -1, true);
        held.drain(); // parked
        FlowEvent[] group = new FlowEvent[20]; // larger than the hub's first group array, and than the client buffer
        for (int i = 0; i < group.length; i++) {
            group[i] = event(100 + i);
        }
        hub.publish(group, 6);
        assertEquals(1, held.wakeups(), "one wakeup for the group");
        hub.publish(group, 0);
        hub.publish(group, 20);
        assertEquals(List.of(1, 6, 20), groups, "one listener call per group; an empty group is none");
        assertEquals(java.util.stream.LongStream.rangeClosed(1, 27).boxed().toList(), told);
        assertEquals(27, hub.events());
        assertEquals(List.of(25L, 26L, 27L), hub.recent(3).stream().map(StreamItem.Flow::sequence).toList());
        assertEquals(119, hub.recent(1).get(0).event().srcPort());

        held.drain();
        assertEquals(List.of(2L, 3L, 4L, 5L), held.items.stream().filter(i -> i instanceof StreamItem.Flow)
                .map(i -> ((StreamItem.Flow) i).sequence()).toList(), "the first four fit the client's buffer");
        assertEquals(new StreamItem.Lost(22, StreamItem.Lost.SLOW_CLIENT), held.items.get(4),
                "the rest of both groups is one gap, counted");
        assertEquals(22, hub.slowClientDrops());
    }
}
