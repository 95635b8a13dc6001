package io.cellflow.monitor;

import io.cellflow.flow.FlowDecisionMapper;
import io.cellflow.flow.FlowEvent;
import io.cellflow.flow.NetworkFlowDecision;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.smallrye.mutiny.operators.multi.processors.UnicastProcessor;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Fans one cell's events out to its stream clients. {@link #publish} is called by one producer (the poller
 * thread) and never blocks: each client has its own bounded {@link ClientQueue}, and delivery to the client
 * happens on a worker thread, so a slow client loses only its own events (with an in-band notice) and never
 * stalls the poller or other clients.
 */
public final class FlowHub {
    private final FlowDecisionMapper mapper;
    private final String decisionPrefix;
    private final int clientBuffer;
    private final Consumer<FlowEvent> onEvent;
    private final CopyOnWriteArrayList<Client> clients = new CopyOnWriteArrayList<>();
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicLong slowClientDrops = new AtomicLong();
    private volatile boolean completed;

    /**
     * @param decisionPrefix makes {@code decision_id} unique across runs: {@code <prefix>-<sequence>}
     * @param onEvent called for every event on the producer thread (metrics); must not block
     */
    public FlowHub(FlowDecisionMapper mapper, String decisionPrefix, int clientBuffer, Consumer<FlowEvent> onEvent) {
        this.mapper = mapper;
        this.decisionPrefix = decisionPrefix;
        this.clientBuffer = clientBuffer;
        this.onEvent = onEvent;
    }

    /** Stamps and sequences one event and offers it to every client. Single producer. */
    public void publish(FlowEvent event) {
        long seq = sequence.incrementAndGet();
        NetworkFlowDecision decision = mapper.map(event, decisionPrefix + "-" + seq);
        onEvent.accept(event);
        StreamItem.Flow item = new StreamItem.Flow(seq, event.kind(), decision);
        for (Client c : clients) {
            c.processor.onNext(item);
        }
    }

    /** A new live stream for one client; it ends when the monitor stops. */
    public Multi<StreamItem> subscribe() {
        Client client = new Client(clientBuffer);
        client.processor = UnicastProcessor.create(client.queue, () -> remove(client));
        clients.add(client);
        if (completed) {
            client.processor.onComplete();
        }
        return client.processor.emitOn(Infrastructure.getDefaultWorkerPool());
    }

    private void remove(Client client) {
        if (clients.remove(client)) {
            slowClientDrops.addAndGet(client.queue.dropped());
        }
    }

    /** Ends every client's stream after the events already queued for it. */
    public void complete() {
        completed = true;
        for (Client c : clients) {
            c.processor.onComplete();
        }
    }

    /** Events published so far; also the last sequence number. */
    public long events() {
        return sequence.get();
    }

    public int clients() {
        return clients.size();
    }

    /** Events dropped for slow clients, over all clients past and present. */
    public long slowClientDrops() {
        long live = 0;
        for (Client c : clients) {
            live += c.queue.dropped();
        }
        return slowClientDrops.get() + live;
    }

    private static final class Client {
        final ClientQueue queue;
        UnicastProcessor<StreamItem> processor;

        Client(int capacity) {
            this.queue = new ClientQueue(capacity);
        }
    }
}
