package io.cellflow.monitor;

import java.util.AbstractQueue;
import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * The bounded, lossy queue between the hub and one SSE client. {@link #offer} never blocks and never refuses (so
 * the producer, the poller thread, is never held up): when the client already has {@code capacity} flow events
 * waiting, the new one is dropped and counted, and a {@link StreamItem.Lost} notice takes its place in the
 * stream, so the client learns in order where the gap is and how large it was. Consecutive drops share one
 * notice. Thread-safe.
 */
final class ClientQueue extends AbstractQueue<StreamItem> {
    private final int capacity;
    private final ArrayDeque<Object> items = new ArrayDeque<>();
    private int flows;
    private long dropped;

    ClientQueue(int capacity) {
        this.capacity = capacity;
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

    @Override
    public synchronized boolean offer(StreamItem item) {
        if (item instanceof StreamItem.Heartbeat) {
            if (items.isEmpty()) { // a client with events pending needs no heartbeat
                items.addLast(item);
            }
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
        } else {
            items.addLast(new LostRun());
        }
        return true;
    }

    @Override
    public synchronized StreamItem poll() {
        Object head = items.pollFirst();
        if (head instanceof StreamItem.Flow) {
            flows--;
        }
        return head == null ? null : materialise(head);
    }

    @Override
    public synchronized StreamItem peek() {
        Object head = items.peekFirst();
        return head == null ? null : materialise(head);
    }

    @Override
    public synchronized int size() {
        return items.size();
    }

    @Override
    public synchronized boolean isEmpty() {
        return items.isEmpty();
    }

    /** Events dropped for this client since it connected. */
    synchronized long dropped() {
        return dropped;
    }

    @Override
    public Iterator<StreamItem> iterator() {
        throw new UnsupportedOperationException("a client queue is only polled");
    }

    private static StreamItem materialise(Object o) {
        return o instanceof LostRun run ? new StreamItem.Lost(run.missed, StreamItem.Lost.SLOW_CLIENT) : (StreamItem) o;
    }

    /** A run of drops still growing at the tail of the queue. */
    private static final class LostRun {
        long missed = 1;
    }
}
