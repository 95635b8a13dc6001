package io.cellflow.monitor;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Delivers stream items to any number of clients without ever blocking the producer: each client has its own
 * bounded {@link ClientQueue}, which it drains itself (see {@link FlowSubscription}). The caller serialises
 * {@link #offer} calls (one producer at a time).
 */
final class Fanout {
    private final int clientBuffer;
    private final CopyOnWriteArrayList<FlowSubscription> clients = new CopyOnWriteArrayList<>();
    private final AtomicLong pastDrops = new AtomicLong();
    private volatile boolean completed;

    Fanout(int clientBuffer) {
        this.clientBuffer = clientBuffer;
    }

    void offer(StreamItem item) {
        for (FlowSubscription c : clients) {
            c.queue().offer(item);
        }
    }

    /** {@link #offer(StreamItem)} for {@code items[0..n)} in order; the array is not kept. */
    void offer(StreamItem[] items, int n) {
        for (FlowSubscription c : clients) {
            c.queue().offer(items, n);
        }
    }

    /**
     * A new client that starts with {@code backlog}, then whatever is offered until {@link #complete()}.
     *
     * @param wakeup see {@link ClientQueue}; the client drains once by itself after subscribing
     */
    FlowSubscription subscribe(List<StreamItem> backlog, Runnable wakeup) {
        FlowSubscription client = new FlowSubscription(new ClientQueue(clientBuffer, wakeup), this);
        client.queue().offerBacklog(backlog);
        clients.add(client);
        if (completed) {
            client.queue().complete();
        }
        return client;
    }

    void remove(FlowSubscription client) {
        if (clients.remove(client)) {
            pastDrops.addAndGet(client.queue().dropped());
        }
    }

    void complete() {
        completed = true;
        for (FlowSubscription c : clients) {
            c.queue().complete();
        }
    }

    int clients() {
        return clients.size();
    }

    /** Items dropped for slow clients, over all clients past and present. */
    long drops() {
        long live = 0;
        for (FlowSubscription c : clients) {
            live += c.queue().dropped();
        }
        return pastDrops.get() + live;
    }
}
