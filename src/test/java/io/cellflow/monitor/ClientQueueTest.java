package io.cellflow.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.cellflow.flow.FlowKind;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ClientQueueTest {
    private final AtomicInteger wakeups = new AtomicInteger();

    private static StreamItem.Flow flow(long seq) {
        return new StreamItem.Flow(seq, FlowKind.OPENED, null);
    }

    private static StreamItem poll(ClientQueue q) {
        List<StreamItem> out = new ArrayList<>();
        q.drainTo(out, 1);
        return out.isEmpty() ? null : out.get(0);
    }

    @Test
    void dropsPastCapacityAndMarksTheGapInOrder() {
        ClientQueue q = new ClientQueue(2, wakeups::incrementAndGet);
        for (long i = 1; i <= 5; i++) {
            q.offer(flow(i)); // never refuses, never blocks
        }
        assertEquals(1, ((StreamItem.Flow) poll(q)).sequence());
        q.offer(flow(6)); // lands after the gap notice: the client learns where events went missing
        assertEquals(2, ((StreamItem.Flow) poll(q)).sequence());
        assertEquals(new StreamItem.Lost(3, "slow_client"), poll(q));
        assertEquals(6, ((StreamItem.Flow) poll(q)).sequence());
        assertNull(poll(q));
        assertEquals(3, q.dropped());
    }

    @Test
    void separateGapsGetSeparateNotices() {
        ClientQueue q = new ClientQueue(1, wakeups::incrementAndGet);
        q.offer(flow(1));
        q.offer(flow(2));
        poll(q);
        q.offer(flow(3));
        q.offer(flow(4));
        q.offer(flow(5));
        assertEquals(new StreamItem.Lost(1, "slow_client"), poll(q));
        assertEquals(3, ((StreamItem.Flow) poll(q)).sequence());
        List<StreamItem> rest = new ArrayList<>();
        assertEquals(FlowSubscription.Status.PARKED, q.drainTo(rest, 10));
        assertEquals(List.of(new StreamItem.Lost(2, "slow_client")), rest);
    }

    @Test
    void wakesAParkedConsumerOnceThenEndsAfterTheLastItem() {
        ClientQueue q = new ClientQueue(10, wakeups::incrementAndGet);
        q.offer(flow(1));
        assertEquals(0, wakeups.get(), "not parked yet: the consumer drains once by itself after subscribing");
        List<StreamItem> out = new ArrayList<>();
        assertEquals(FlowSubscription.Status.PARKED, q.drainTo(out, 10));
        q.offer(flow(2));
        q.offer(flow(3));
        q.offer(StreamItem.Heartbeat.INSTANCE); // events pending: no heartbeat needed
        assertEquals(1, wakeups.get());
        assertEquals(FlowSubscription.Status.MORE, q.drainTo(out, 1));
        q.complete();
        assertEquals(1, wakeups.get(), "not parked: it comes back by itself");
        assertEquals(FlowSubscription.Status.ENDED, q.drainTo(out, 10));
        assertEquals(List.of(1L, 2L, 3L), out.stream().map(i -> ((StreamItem.Flow) i).sequence()).toList());
        q.offer(flow(4));
        assertEquals(FlowSubscription.Status.ENDED, q.drainTo(out, 10), "nothing after the end");
    }
}
