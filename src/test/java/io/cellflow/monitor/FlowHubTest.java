package io.cellflow.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cellflow.flow.Decision;
import io.cellflow.flow.Direction;
import io.cellflow.flow.FlowDecisionMapper;
import io.cellflow.flow.FlowEvent;
import io.cellflow.flow.FlowKind;
import io.cellflow.flow.MonotonicClock;
import io.smallrye.mutiny.helpers.test.AssertSubscriber;
import java.net.InetAddress;
import java.time.Duration;
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
        AssertSubscriber<StreamItem> sub = hub.subscribe(3).subscribe().withSubscriber(AssertSubscriber.create(100));
        hub.publish(event(1006));
        sub.awaitItems(3, Duration.ofSeconds(5));
        assertEquals(List.of(4L, 5L, 6L), sub.getItems().stream().map(i -> ((StreamItem.Flow) i).sequence()).toList());
        hub.complete();
        sub.awaitCompletion(Duration.ofSeconds(5));
    }

    @Test
    void eventsThatFellOutOfTheReplayBufferAreCountedFirst() throws Exception {
        FlowHub hub = hub(100, 3);
        for (int i = 1; i <= 10; i++) {
            hub.publish(event(1000 + i));
        }
        AssertSubscriber<StreamItem> sub = hub.subscribe(2).subscribe().withSubscriber(AssertSubscriber.create(100));
        sub.awaitItems(4, Duration.ofSeconds(5));
        assertEquals(new StreamItem.Lost(5, StreamItem.Lost.REPLAY_BUFFER), sub.getItems().get(0));
        assertEquals(8, ((StreamItem.Flow) sub.getItems().get(1)).sequence());
        assertEquals(List.of(8L, 9L, 10L), hub.recent(5).stream().map(StreamItem.Flow::sequence).toList());
    }

    @Test
    void aSlowClientLosesOnlyItsOwnEventsAndIsToldHowMany() throws Exception {
        FlowHub hub = hub(8, 100);
        AssertSubscriber<StreamItem> slow = hub.subscribe(-1).subscribe().withSubscriber(AssertSubscriber.create(0));
        AssertSubscriber<StreamItem> fast = hub.subscribe(-1).subscribe()
                .withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));
        for (int i = 1; i <= 2000; i++) {
            hub.publish(event(i)); // never blocks, whatever the slow client does
            if (i % 4 == 0) { // paced so that a client that keeps up never overflows its 8 slots
                fast.awaitItems(i, Duration.ofSeconds(10));
            }
        }
        assertEquals(2000, flows(fast.getItems()), "the fast client got everything");

        slow.request(Long.MAX_VALUE);
        hub.complete();
        slow.awaitCompletion(Duration.ofSeconds(10));
        long got = flows(slow.getItems());
        long missed = slow.getItems().stream().filter(i -> i instanceof StreamItem.Lost)
                .mapToLong(i -> ((StreamItem.Lost) i).missed()).sum();
        assertTrue(missed > 0, "the slow client was told it missed events");
        assertEquals(2000, got + missed, "every event is either delivered or counted as lost");
        assertEquals(missed, hub.slowClientDrops());
    }
}
