package io.cellflow.monitor;

import java.util.ArrayList;
import java.util.List;

/**
 * The last {@code capacity} flow events of a cell, by sequence number, for clients that reconnect
 * ({@code Last-Event-ID}) and for the non-blocking {@code /flows/recent}. Sequence numbers are contiguous, so the
 * ring is indexed by {@code sequence % ring.length}. The ring starts small and doubles as events arrive, up to
 * {@code capacity}: a thousand quiet cells do not each hold a full-size array (10,000 references, 40 KB). Not
 * thread-safe: the owning {@link FlowHub} locks.
 */
final class ReplayBuffer {
    private static final int INITIAL = 16;
    private static final StreamItem.Flow[] NONE = {};

    private final int capacity;
    private StreamItem.Flow[] ring = NONE; // length 0, or a power of two below capacity, or capacity
    private long last; // sequence of the newest event, 0 when empty

    ReplayBuffer(int capacity) {
        this.capacity = Math.max(0, capacity);
    }

    void add(StreamItem.Flow item) {
        if (capacity == 0) {
            last = item.sequence();
            return;
        }
        if (item.sequence() - oldest() >= ring.length && ring.length < capacity) {
            grow();
        }
        last = item.sequence();
        ring[(int) (last % ring.length)] = item;
    }

    /** Doubles the ring (at most to capacity), keeping every held event at its index in the new length. */
    private void grow() {
        StreamItem.Flow[] next = new StreamItem.Flow[(int) Math.min(capacity, Math.max(INITIAL, 2L * ring.length))];
        if (ring.length > 0) {
            for (long s = oldest(); s <= last && s >= 1; s++) {
                next[(int) (s % next.length)] = ring[(int) (s % ring.length)];
            }
        }
        ring = next;
    }

    /** Sequence of the oldest event held (only meaningful when one is). */
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
