package io.cellflow.monitor;

import java.util.ArrayList;
import java.util.List;

/**
 * The last {@code capacity} flow events of a cell, by sequence number, for clients that reconnect
 * ({@code Last-Event-ID}) and for the non-blocking {@code /flows/recent}. Sequence numbers are contiguous, so the
 * ring is indexed by {@code sequence % capacity}. Not thread-safe: the owning {@link FlowHub} locks.
 */
final class ReplayBuffer {
    private final StreamItem.Flow[] ring;
    private long last; // sequence of the newest event, 0 when empty

    ReplayBuffer(int capacity) {
        this.ring = new StreamItem.Flow[Math.max(0, capacity)];
    }

    void add(StreamItem.Flow item) {
        last = item.sequence();
        if (ring.length > 0) {
            ring[(int) (last % ring.length)] = item;
        }
    }

    private long oldest() {
        return Math.max(1, last - ring.length + 1);
    }

    /**
     * Events after {@code sequence}, oldest first; when some of them are no longer held, the list starts with a
     * {@link StreamItem.Lost} that counts them.
     */
    List<StreamItem> after(long sequence) {
        List<StreamItem> out = new ArrayList<>();
        long from = Math.max(sequence + 1, 1);
        long oldest = ring.length == 0 ? last + 1 : oldest();
        if (from < oldest && from <= last) {
            out.add(new StreamItem.Lost(oldest - from, StreamItem.Lost.REPLAY_BUFFER));
            from = oldest;
        }
        for (long s = from; s <= last; s++) {
            out.add(ring[(int) (s % ring.length)]);
        }
        return out;
    }

    /** Up to {@code limit} newest events, oldest first. */
    List<StreamItem.Flow> newest(int limit) {
        List<StreamItem.Flow> out = new ArrayList<>();
        if (ring.length == 0) {
            return out;
        }
        for (long s = Math.max(oldest(), last - limit + 1); s <= last && s >= 1; s++) {
            out.add(ring[(int) (s % ring.length)]);
        }
        return out;
    }
}
