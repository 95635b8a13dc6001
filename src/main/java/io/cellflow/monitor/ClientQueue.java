package io.cellflow.monitor;

import java.util.ArrayDeque;
import java.util.List;

/**
 * The bounded, lossy queue between the hub and one SSE client. {@link #offer} never blocks and never refuses (so
 * the producer, the poller thread, is never held up): when the client already has {@code capacity} flow events
 * waiting, the new one is dropped and counted, and a {@link StreamItem.Lost} notice takes its place in the
 * stream, so the client learns in order where the gap is and how large it was. Consecutive drops share one
 * notice.
 *
 * <p>The consumer drains in batches ({@link #drainTo}); when a drain leaves the queue empty the consumer is
 * parked, and the next {@link #offer} or {@link #complete} runs the {@code wakeup} once (on the producer's
 * thread, outside the lock), so a busy stream costs one wake-up per batch, not one per event. Thread-safe.
 */
final class ClientQueue {
    private final int capacity;
    private final Runnable wakeup;
    private final ArrayDeque<Object> items = new ArrayDeque<>();
    private int flows;
    private long dropped;
    private boolean parked;
    private boolean completed;

    /** @param wakeup must not block; runs on the producer's thread */
    ClientQueue(int capacity, Runnable wakeup) {
        this.capacity = capacity;
        this.wakeup = wakeup;
    }

    /** Queues a replayed backlog in full: it is bounded by the replay buffer, not by the live capacity. */
    synchronized void offerBacklog(Iterable<? extends StreamItem> backlog) {
        for (StreamItem item : backlog) {
            items.addLast(item);
            if (item instanceof StreamItem.Flow) {
                flows++;
            }
        }
    }

    /** Queues an item, or drops it and counts it (flows past capacity), or skips it (a heartbeat behind events). */
    void offer(StreamItem item) {
        offer(new StreamItem[] {item}, 1);
    }

    /** {@link #offer(StreamItem)} for {@code items[0..n)} in order, in one lock hold and at most one wakeup. */
    void offer(StreamItem[] items, int n) {
        boolean wake;
        synchronized (this) {
            if (completed) {
                return;
            }
            boolean queued = false;
            for (int i = 0; i < n; i++) {
                queued |= enqueue(items[i]);
            }
            if (!queued) {
                return;
            }
            wake = parked;
            parked = false;
        }
        if (wake) {
            wakeup.run();
        }
    }

    private boolean enqueue(StreamItem item) {
        if (item instanceof StreamItem.Heartbeat) {
            if (!items.isEmpty()) { // a client with events pending needs no heartbeat
                return false;
            }
            items.addLast(item);
            return true;
        }
        if (item instanceof StreamItem.Lost || flows < capacity) {
            items.addLast(item);
            if (item instanceof StreamItem.Flow) {
                flows++;
            }
            return true;
        }
        dropped++;
        if (items.peekLast() instanceof LostRun run) {
            run.missed++;
            return false; // the notice already waits in the queue
        }
        items.addLast(new LostRun());
        return true;
    }

    /** No more items after those already queued; wakes a parked consumer so it can end the stream. */
    void complete() {
        boolean wake;
        synchronized (this) {
            if (completed) {
                return;
            }
            completed = true;
            wake = parked;
            parked = false;
        }
        if (wake) {
            wakeup.run();
        }
    }

    /** Moves up to {@code max} items into {@code out}, oldest first; parks the consumer when none are left. */
    synchronized FlowSubscription.Status drainTo(List<? super StreamItem> out, int max) {
        for (int i = 0; i < max; i++) {
            Object head = items.pollFirst();
            if (head == null) {
                break;
            }
            if (head instanceof StreamItem.Flow) {
                flows--;
            }
            out.add(head instanceof LostRun run ? new StreamItem.Lost(run.missed, StreamItem.Lost.SLOW_CLIENT)
                    : (StreamItem) head);
        }
        if (!items.isEmpty()) {
            return FlowSubscription.Status.MORE;
        }
        if (completed) {
            return FlowSubscription.Status.ENDED;
        }
        parked = true;
        return FlowSubscription.Status.PARKED;
    }

    /** Events dropped for this client since it connected. */
    synchronized long dropped() {
        return dropped;
    }

    /** A run of drops still growing at the tail of the queue. */
    private static final class LostRun {
        long missed = 1;
    }
}
