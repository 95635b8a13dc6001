package io.cellflow.monitor;

import io.cellflow.flow.FlowDecisionMapper;
import io.cellflow.flow.FlowEvent;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * One cell's event stream: sequences and stamps events, keeps the replay buffer, and fans out to clients.
 *
 * <p>{@link #publish} runs on the poller thread and never blocks on a client (see {@link Fanout}): a slow client
 * loses only its own events, and is told in order how many. Publishing and subscribing share one lock,
 * so a reconnecting client gets the replayed backlog and then the live stream without a gap or a duplicate.
 */
public final class FlowHub {
    private final FlowDecisionMapper mapper;
    private final String decisionPrefix;
    private final Listener onEvents;
    private final ReplayBuffer replay;
    private final Fanout fanout;
    private long sequence; // guarded by this
    private FlowStamp stamp; // guarded by this
    private volatile long published;

    /** Told of every event published, a group at a time, under the hub's lock; must not block nor keep the array. */
    @FunctionalInterface
    public interface Listener {
        void published(StreamItem.Flow[] items, int n);
    }

    /**
     * @param decisionPrefix makes {@code decision_id} unique across runs: {@code <prefix>-<sequence>}
     * @param onEvent called for every event under the hub's lock (metrics, the all-cells stream); must not block
     */
    public FlowHub(FlowDecisionMapper mapper, String decisionPrefix, int clientBuffer, int replayBuffer,
            Consumer<StreamItem.Flow> onEvent) {
        this(mapper, decisionPrefix, clientBuffer, replayBuffer, (Listener) (items, n) -> {
            for (int i = 0; i < n; i++) {
                onEvent.accept(items[i]);
            }
        });
    }

    /** @param onEvents as {@code onEvent} above, told of a group of events at once */
    public FlowHub(FlowDecisionMapper mapper, String decisionPrefix, int clientBuffer, int replayBuffer,
            Listener onEvents) {
        this.mapper = mapper;
        this.decisionPrefix = decisionPrefix;
        this.fanout = new Fanout(clientBuffer);
        this.replay = new ReplayBuffer(replayBuffer,
                (seq, event, digest) -> new StreamItem.Flow(seq, event, stamp(digest)));
        this.onEvents = onEvents;
    }

    /**
     * Stamps and sequences one event, keeps it for replay and offers it to every client. The item carries the
     * event and the run's stamp, not a decision: see {@link StreamItem.Flow}.
     */
    public void publish(FlowEvent event) {
        publish(new FlowEvent[] {event}, 1);
    }

    /**
     * {@link #publish} for {@code events[0..n)} in order, as one group: one lock hold, one listener call and one
     * offer per client. The ledger publishes each lock hold's events this way: one by one, the hub's lock, the
     * event counters, the all-cells stream's lock, each client queue's lock and G1's barrier on each store into a
     * long-lived array were a fence per event, each waiting for the open-flow table's writes before it: 28 % of
     * the poller's CPU samples at ~700k new flows/s, against 8 % in groups (async-profiler).
     */
    public synchronized void publish(FlowEvent[] events, int n) {
        if (n == 0) {
            return;
        }
        // a new array each time: a young one takes the items without G1's write barrier (a fence per item)
        StreamItem.Flow[] group = new StreamItem.Flow[n];
        for (int i = 0; i < n; i++) {
            group[i] = item(events[i]);
        }
        published = sequence;
        onEvents.published(group, n);
        fanout.offer(group, n);
    }

    /** Sequences, stamps and keeps for replay the next event. */
    private StreamItem.Flow item(FlowEvent event) {
        long seq = ++sequence;
        FlowStamp s = stamp(mapper.policyDigest());
        replay.add(seq, event, s.policyDigest());
        return new StreamItem.Flow(seq, event, s);
    }

    /** The stamp for {@code digest}: the last one while the digest stays the same (one per policy in force). */
    private FlowStamp stamp(String digest) {
        FlowStamp s = stamp;
        if (s == null || !Objects.equals(s.policyDigest(), digest)) {
            s = new FlowStamp(mapper, decisionPrefix, digest);
            stamp = s;
        }
        return s;
    }

    /** Tells every client that events were lost before they reached the hub (the kernel's ring was full). */
    public synchronized void reportKernelLoss(long missed) {
        fanout.offer(new StreamItem.Lost(missed, StreamItem.Lost.KERNEL));
    }

    /** Tells every client that packets went uncounted (the kernel's flow table was full), so flows may be missing. */
    public synchronized void reportFlowTableFull(long missedPackets) {
        fanout.offer(new StreamItem.Lost(missedPackets, StreamItem.Lost.FLOW_TABLE_FULL));
    }

    /** A comment to every idle client, so proxies and clients can tell a quiet cell from a dead connection. */
    public synchronized void heartbeat() {
        fanout.offer(StreamItem.Heartbeat.INSTANCE);
    }

    /**
     * A stream for one client: events after {@code afterSequence} still in the replay buffer (preceded by a
     * {@code lost} notice for those that are not), then the live stream until the monitor stops. A negative
     * {@code afterSequence} means live only.
     *
     * @param wakeup runs on the publishing thread when items arrive for a client that drained its queue empty,
     *     and when the stream ends; must not block (see {@link FlowSubscription})
     */
    public synchronized FlowSubscription subscribe(long afterSequence, Runnable wakeup) {
        return fanout.subscribe(afterSequence >= 0 ? replay.after(afterSequence) : List.of(), wakeup);
    }

    /** Up to {@code limit} of the newest events, oldest first, without waiting. */
    public synchronized List<StreamItem.Flow> recent(int limit) {
        return replay.newest(limit);
    }

    /** Ends every client's stream after the events already queued for it. */
    public synchronized void complete() {
        fanout.complete();
    }

    /** Events published so far; also the last sequence number. */
    public long events() {
        return published;
    }

    public int clients() {
        return fanout.clients();
    }

    /** Events dropped for slow clients, over all clients past and present. */
    public long slowClientDrops() {
        return fanout.drops();
    }
}
