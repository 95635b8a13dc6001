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
    private final Consumer<StreamItem.Flow> onEvent;
    private final ReplayBuffer replay;
    private final Fanout fanout;
    private long sequence; // guarded by this
    private FlowStamp stamp; // guarded by this
    private volatile long published;

    /**
     * @param decisionPrefix makes {@code decision_id} unique across runs: {@code <prefix>-<sequence>}
     * @param onEvent called for every event under the hub's lock (metrics, the all-cells stream); must not block
     */
    public FlowHub(FlowDecisionMapper mapper, String decisionPrefix, int clientBuffer, int replayBuffer,
            Consumer<StreamItem.Flow> onEvent) {
        this.mapper = mapper;
        this.decisionPrefix = decisionPrefix;
        this.fanout = new Fanout(clientBuffer);
        this.replay = new ReplayBuffer(replayBuffer,
                (seq, event, digest) -> new StreamItem.Flow(seq, event, stamp(digest)));
        this.onEvent = onEvent;
    }

    /**
     * Stamps and sequences one event, keeps it for replay and offers it to every client. The item carries the
     * event and the run's stamp, not a decision: see {@link StreamItem.Flow}.
     */
    public synchronized void publish(FlowEvent event) {
        long seq = ++sequence;
        FlowStamp s = stamp(mapper.policyDigest());
        StreamItem.Flow item = new StreamItem.Flow(seq, event, s);
        replay.add(seq, event, s.policyDigest());
        published = seq;
        onEvent.accept(item);
        fanout.offer(item);
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
