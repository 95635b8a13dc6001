package io.cellflow.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cellflow.flow.FlowKind;
import org.junit.jupiter.api.Test;

class ClientQueueTest {
    private static StreamItem.Flow flow(long seq) {
        return new StreamItem.Flow(seq, FlowKind.OPENED, null);
    }

    @Test
    void dropsPastCapacityAndMarksTheGapInOrder() {
        ClientQueue q = new ClientQueue(2);
        for (long i = 1; i <= 5; i++) {
            assertTrue(q.offer(flow(i)), "offer never refuses");
        }
        assertEquals(1, ((StreamItem.Flow) q.poll()).sequence());
        q.offer(flow(6)); // lands after the gap notice: the client learns where events went missing
        assertEquals(2, ((StreamItem.Flow) q.poll()).sequence());
        assertEquals(new StreamItem.Lost(3, "slow_client"), q.poll());
        assertEquals(6, ((StreamItem.Flow) q.poll()).sequence());
        assertNull(q.poll());
        assertEquals(3, q.dropped());
    }

    @Test
    void separateGapsGetSeparateNotices() {
        ClientQueue q = new ClientQueue(1);
        q.offer(flow(1));
        q.offer(flow(2));
        q.poll();
        q.offer(flow(3));
        q.offer(flow(4));
        q.offer(flow(5));
        assertEquals(new StreamItem.Lost(1, "slow_client"), q.poll());
        assertEquals(3, ((StreamItem.Flow) q.poll()).sequence());
        assertEquals(new StreamItem.Lost(2, "slow_client"), q.poll());
        assertTrue(q.isEmpty());
    }
}
