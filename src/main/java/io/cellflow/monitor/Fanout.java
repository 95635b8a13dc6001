package io.cellflow.monitor;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.smallrye.mutiny.operators.multi.processors.UnicastProcessor;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Delivers stream items to any number of clients without ever blocking the producer: each client has its own
 * bounded {@link ClientQueue} behind a Mutiny {@link UnicastProcessor} and is served on a worker thread. The
 * caller serialises {@link #offer} calls (one producer at a time).
 */
final class Fanout {
    private final int clientBuffer;
    private final CopyOnWriteArrayList<Client> clients = new CopyOnWriteArrayList<>();
    private final AtomicLong pastDrops = new AtomicLong();
    private volatile boolean completed;

    Fanout(int clientBuffer) {
        this.clientBuffer = clientBuffer;
    }

    void offer(StreamItem item) {
        for (Client c : clients) {
            c.processor.onNext(item);
        }
    }

    /** A new client stream that starts with {@code backlog}, then whatever is offered until {@link #complete()}. */
    Multi<StreamItem> subscribe(List<StreamItem> backlog) {
        Client client = new Client(clientBuffer);
        client.processor = UnicastProcessor.create(client.queue, () -> remove(client));
        client.queue.offerBacklog(backlog);
        clients.add(client);
        if (completed) {
            client.processor.onComplete();
        }
        return client.processor.emitOn(Infrastructure.getDefaultWorkerPool());
    }

    private void remove(Client client) {
        if (clients.remove(client)) {
            pastDrops.addAndGet(client.queue.dropped());
        }
    }

    void complete() {
        completed = true;
        for (Client c : clients) {
            c.processor.onComplete();
        }
    }

    int clients() {
        return clients.size();
    }

    /** Items dropped for slow clients, over all clients past and present. */
    long drops() {
        long live = 0;
        for (Client c : clients) {
            live += c.queue.dropped();
        }
        return pastDrops.get() + live;
    }

    private static final class Client {
        final ClientQueue queue;
        UnicastProcessor<StreamItem> processor;

        Client(int capacity) {
            this.queue = new ClientQueue(capacity);
        }
    }
}
