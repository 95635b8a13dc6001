package io.cellflow.monitor;

import io.cellflow.flow.Decision;
import io.cellflow.flow.FlowCounters;
import io.cellflow.flow.FlowEvent;
import io.cellflow.flow.FlowKey;
import io.cellflow.flow.FlowKind;
import io.cellflow.flow.FlowRecord;
import io.cellflow.monitor.OpenFlowTable.Flow;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One cell's open flows, as an auditor would reconcile them: each flow is opened once, updated with the packets
 * and bytes counted since its previous report, and closed with its totals, so the updates of a flow add up to its
 * close and to what the kernel counted.
 *
 * <p>Inputs: first sightings from the ring buffer (poller thread) and drained flow-table counts (drain thread).
 * The drain deletes the kernel's entries, so the flow's next packet makes the kernel report it as new again: a
 * sighting of a flow already open is a continuation, not a second flow. A drain may also see a flow before its
 * ring record was read: it is opened then. A flow closes when it saw FIN or RST and then a drain with no new
 * packets (so the final ACKs count), or when idle past the timeout. Unique flows count openings, so a flow seen
 * twice counts once, and a close without an open cannot happen. Thread-safe.
 *
 * <p>The poller never waits long: a drain applies its entries and its closes in chunks of {@value #CHUNK}, and the
 * lock is fair, so a sighting waiting for the lock gets it at the end of the current chunk. Every step (an open,
 * an update, a close) happens whole under the lock, so the invariants above hold at every chunk boundary.
 * {@link #drained(List)}, {@link #endOfDrain()} and {@link #closeAll()} are called by one thread at a time (the
 * backend serialises its drains and its close).
 */
final class FlowLedger {
    /** Drain steps (each publishes at most two events) per lock hold. */
    static final int CHUNK = 64;

    private final FlowHub hub;
    private final long idleNanos;
    private final ReentrantLock lock = new ReentrantLock(true);
    private final OpenFlowTable open = new OpenFlowTable();
    private long uniqueFlows;
    private long closedFlows;
    private long round;

    /** One drained flow-table entry, decoded outside the lock. */
    record Drained(FlowKey key, FlowCounters counters) {}

    FlowLedger(FlowHub hub, long idleNanos) {
        this.hub = hub;
        this.idleNanos = idleNanos;
    }

    /**
     * The poller starts a batch of sightings: it holds the lock until {@link #endSightings()}, so a batch costs one
     * acquisition and a drain waiting for the lock gets it between batches.
     */
    void beginSightings() {
        lock.lock();
    }

    void endSightings() {
        lock.unlock();
    }

    /** A ring-buffer sighting: opens the flow unless it is already open. */
    void sighted(FlowEvent event) {
        sighted(FlowRecord.of(event));
    }

    /**
     * A ring-buffer sighting, as the poller decoded it: opens the flow unless it is already open. Allocates only
     * for a record that becomes an event; {@code r} is not kept.
     */
    void sighted(FlowRecord r) {
        lock.lock();
        try {
            if (r.kind() != FlowKind.OPENED || r.decision() != Decision.ALLOW) {
                hub.publish(r.toEvent()); // not part of a flow's life (e.g. a denied packet): passed on as it is
                return;
            }
            if (open.get(r.direction(), r.protocol(), r.srcHi(), r.srcLo(), r.srcPort(), r.dstHi(), r.dstLo(),
                    r.dstPort()) == null) {
                Flow f = new Flow(r.direction(), r.protocol(), r.srcHi(), r.srcLo(), r.srcPort(), r.dstHi(),
                        r.dstLo(), r.dstPort());
                start(f, r.monotonicNanos(), System.nanoTime());
                hub.publish(r.toEvent());
            }
        } finally {
            lock.unlock();
        }
    }

    private void start(Flow f, long firstNanos, long now) {
        f.lastNanos = firstNanos;
        f.lastActiveRound = round;
        f.lastActiveAt = now;
        open.add(f);
        uniqueFlows++;
    }

    /** Counts drained from the kernel for one flow: an update, opening the flow first if needed. */
    void drained(FlowKey key, FlowCounters c) {
        drained(List.of(new Drained(key, c)));
    }

    /** One drain's entries, applied in order, {@value #CHUNK} per lock hold. */
    void drained(List<Drained> entries) {
        long now = System.nanoTime();
        for (int from = 0; from < entries.size(); from += CHUNK) {
            int to = Math.min(entries.size(), from + CHUNK);
            lock.lock();
            try {
                for (int i = from; i < to; i++) {
                    apply(entries.get(i), now);
                }
            } finally {
                lock.unlock();
            }
        }
    }

    private void apply(Drained d, long now) {
        FlowKey key = d.key();
        FlowCounters c = d.counters();
        Flow f = open.get(key);
        if (f == null) {
            f = new Flow(key);
            start(f, c.firstNanos(), now);
            hub.publish(event(FlowKind.OPENED, f, c.packets(), c.bytes(), c.firstNanos(), c.tcpFlags()));
        }
        if (c.packets() == 0) {
            return;
        }
        f.packets += c.packets();
        f.bytes += c.bytes();
        f.lastNanos = Math.max(f.lastNanos, c.lastNanos());
        f.tcpFlags |= c.tcpFlags();
        f.ending |= c.ending();
        f.lastActiveRound = round;
        f.lastActiveAt = now;
        hub.publish(event(FlowKind.UPDATED, f, c.packets(), c.bytes(), c.lastNanos(), c.tcpFlags()));
    }

    /**
     * After a drain: closes ended and idle flows. One pass under the lock picks them (no events), then they close
     * {@value #CHUNK} per lock hold; only drains change an open flow, and they do not run meanwhile.
     */
    void endOfDrain() {
        long now = System.nanoTime();
        List<Flow> closing;
        long thisRound;
        lock.lock();
        try {
            thisRound = round;
            closing = open.select(f -> closes(f, thisRound, now));
        } finally {
            lock.unlock();
        }
        for (int from = 0; from < closing.size(); from += CHUNK) {
            int to = Math.min(closing.size(), from + CHUNK);
            lock.lock();
            try {
                for (int i = from; i < to; i++) {
                    Flow f = closing.get(i);
                    if (closes(f, thisRound, now) && open.remove(f)) {
                        close(f);
                    }
                }
            } finally {
                lock.unlock();
            }
        }
        lock.lock();
        try {
            round++;
        } finally {
            lock.unlock();
        }
    }

    private boolean closes(Flow f, long thisRound, long now) {
        boolean endedAndQuiet = f.ending && f.lastActiveRound < thisRound;
        return endedAndQuiet || now - f.lastActiveAt >= idleNanos;
    }

    /** The monitor stops: every open flow closes with its totals. */
    void closeAll() {
        lock.lock();
        try {
            for (Flow f : open.select(f -> true)) {
                close(f);
            }
            open.clear();
        } finally {
            lock.unlock();
        }
    }

    private void close(Flow f) {
        closedFlows++;
        hub.publish(event(FlowKind.CLOSED, f, f.packets, f.bytes, f.lastNanos, f.tcpFlags));
    }

    long uniqueFlows() {
        lock.lock();
        try {
            return uniqueFlows;
        } finally {
            lock.unlock();
        }
    }

    long openFlows() {
        lock.lock();
        try {
            return open.size();
        } finally {
            lock.unlock();
        }
    }

    long closedFlows() {
        lock.lock();
        try {
            return closedFlows;
        } finally {
            lock.unlock();
        }
    }

    private static FlowEvent event(FlowKind kind, Flow f, long packets, long bytes, long nanos, int tcpFlags) {
        return new FlowEvent(kind, f.direction, Decision.ALLOW, f.srcHi, f.srcLo, f.srcPort, f.dstHi, f.dstLo,
                f.dstPort, f.protocol, tcpFlags & 0xff, packets, bytes, nanos, 0, 0);
    }
}
