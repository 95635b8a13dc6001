package io.cellflow.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cellflow.flow.Decision;
import io.cellflow.flow.Direction;
import io.cellflow.flow.FlowEvent;
import io.cellflow.flow.FlowKind;
import io.cellflow.flow.IpAddr;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** The replay buffer keeps the newest {@code capacity} events by sequence, while its ring grows on demand. */
class ReplayBufferTest {

    private static List<Long> sequences(List<? extends StreamItem> items) {
        return items.stream().map(i -> i instanceof StreamItem.Flow f ? f.sequence() : -((StreamItem.Lost) i).missed())
                .toList();
    }

    private static List<Long> range(long from, long to) {
        return LongStream.rangeClosed(from, to).boxed().toList();
    }

    private static FlowEvent event(long s) {
        return new FlowEvent(FlowKind.OPENED, Direction.EGRESS, Decision.ALLOW, 0, IpAddr.v4Lo(0xc6120001), (int) s,
                0, IpAddr.v4Lo(0xc6120002), 80, 17, 0, 1, 60, 1000 + s, 3, 0);
    }

    /** Rebuilt items carry the sequence; the decision is not needed to check what is held. */
    private static ReplayBuffer buffer(int capacity) {
        return new ReplayBuffer(capacity, (seq, e, digest) -> new StreamItem.Flow(seq, e.kind(), null));
    }

    private static void publish(ReplayBuffer b, long from, long to) {
        for (long s = from; s <= to; s++) {
            b.add(s, event(s), null);
        }
    }

    @Test
    void keepsEveryEventWhileGrowingAndTheNewestCapacityAfter() {
        ReplayBuffer b = buffer(100); // not a power of two: the last step grows to exactly 100
        assertEquals(List.of(), b.after(0));
        for (long last = 1; last <= 100; last++) {
            publish(b, last, last);
            assertEquals(range(1, last), sequences(b.after(0)), "all held at " + last);
        }
        publish(b, 101, 250);
        // -150: a lost notice for sequences 1..150, then 151..250
        List<Long> expected = new java.util.ArrayList<>(List.of(-150L));
        expected.addAll(range(151, 250));
        assertEquals(expected, sequences(b.after(0)));
        assertEquals(range(241, 250), sequences(b.newest(10)));
        assertEquals(range(200, 250), sequences(b.after(199)));
    }

    @Test
    void zeroCapacityHoldsNothingButCountsWhatWasMissed() {
        ReplayBuffer b = buffer(0);
        publish(b, 1, 5);
        assertEquals(List.of(-3L), sequences(b.after(2)));
        assertEquals(List.of(), b.newest(10));
    }

    /** An event comes back field for field, with the digest it was stamped with, through the ring's growth. */
    @Test
    void rebuildsEachEventAsItWasAdded() {
        List<FlowEvent> rebuilt = new java.util.ArrayList<>();
        List<String> digests = new java.util.ArrayList<>();
        ReplayBuffer b = new ReplayBuffer(40, (seq, e, digest) -> {
            rebuilt.add(e);
            digests.add(digest);
            return new StreamItem.Flow(seq, e.kind(), null);
        });
        List<FlowEvent> added = new java.util.ArrayList<>();
        for (int s = 1; s <= 50; s++) {
            FlowEvent e = new FlowEvent(FlowKind.values()[s % FlowKind.values().length],
                    s % 2 == 0 ? Direction.INGRESS : Direction.EGRESS, s % 3 == 0 ? Decision.DENY : Decision.ALLOW,
                    0x20010db8L << 32 | s, -s, s % 5 == 0 ? -1 : 40000 + s, s, 0xc0a80000L + s, s % 7 == 0 ? -1 : 443,
                    s % 2 == 0 ? 6 : 58, s & 0xff, s * 3L, s * 100L, 1_000_000_000L * s, s + 1, s % 4);
            b.add(s, e, s < 30 ? "sha256:old" : "sha256:new");
            added.add(e);
        }
        b.after(0);
        assertEquals(added.subList(10, 50), rebuilt);
        assertEquals("sha256:old", digests.get(0));
        assertEquals("sha256:new", digests.get(39));
    }
}
