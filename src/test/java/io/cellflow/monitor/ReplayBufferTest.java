package io.cellflow.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cellflow.flow.FlowKind;
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

    private static void publish(ReplayBuffer b, long from, long to) {
        for (long s = from; s <= to; s++) {
            b.add(new StreamItem.Flow(s, FlowKind.OPENED, null));
        }
    }

    @Test
    void keepsEveryEventWhileGrowingAndTheNewestCapacityAfter() {
        ReplayBuffer b = new ReplayBuffer(100); // not a power of two: the last step grows to exactly 100
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
        ReplayBuffer b = new ReplayBuffer(0);
        publish(b, 1, 5);
        assertEquals(List.of(-3L), sequences(b.after(2)));
        assertEquals(List.of(), b.newest(10));
    }
}
