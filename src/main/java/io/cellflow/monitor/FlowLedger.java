package io.cellflow.monitor;

import io.cellflow.flow.Decision;
import io.cellflow.flow.FlowCounters;
import io.cellflow.flow.FlowEvent;
import io.cellflow.flow.FlowKey;
import io.cellflow.flow.FlowKind;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
    private final Map<FlowKey, OpenFlow> open = new HashMap<>(1024);
    private long uniqueFlows;
    private long closedFlows;
    private long round;

    /** One drained flow-table entry, decoded outside the lock. */
    record Drained(FlowKey key, FlowCounters counters) {}

    private static final class OpenFlow {
        long packets;
        long bytes;
        long lastNanos;
        int tcpFlags;
        boolean ending;
        long lastActiveRound;
        long lastActiveAt;

        OpenFlow(long firstNanos, long round, long now) {
            this.lastNanos = firstNanos;
            this.lastActiveRound = round;
            this.lastActiveAt = now;
        }
    }

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
        lock.lock();
        try {
            if (event.kind() != FlowKind.OPENED || event.decision() != Decision.ALLOW) {
                hub.publish(event); // not part of a flow's life (e.g. a denied packet): passed on as it is
                return;
            }
            FlowKey key = FlowKey.of(event);
            if (!open.containsKey(key)) {
                open.put(key, new OpenFlow(event.monotonicNanos(), round, System.nanoTime()));
                uniqueFlows++;
                hub.publish(event);
            }
        } finally {
            lock.unlock();
        }
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
        OpenFlow f = open.get(key);
        if (f == null) {
            FlowEvent opened = event(FlowKind.OPENED, key, c.packets(), c.bytes(), c.firstNanos(), c.tcpFlags());
            f = new OpenFlow(c.firstNanos(), round, now);
            open.put(key, f);
            uniqueFlows++;
            hub.publish(opened);
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
        hub.publish(event(FlowKind.UPDATED, key, c.packets(), c.bytes(), c.lastNanos(), c.tcpFlags()));
    }

    /**
     * After a drain: closes ended and idle flows. One pass under the lock picks them (no events), then they close
     * {@value #CHUNK} per lock hold; only drains change an open flow, and they do not run meanwhile.
     */
    void endOfDrain() {
        long now = System.nanoTime();
        List<FlowKey> closing = new ArrayList<>();
        long thisRound;
        lock.lock();
        try {
            thisRound = round;
            for (Map.Entry<FlowKey, OpenFlow> e : open.entrySet()) {
                if (closes(e.getValue(), thisRound, now)) {
                    closing.add(e.getKey());
                }
            }
        } finally {
            lock.unlock();
        }
        for (int from = 0; from < closing.size(); from += CHUNK) {
            int to = Math.min(closing.size(), from + CHUNK);
            lock.lock();
            try {
                for (int i = from; i < to; i++) {
                    FlowKey key = closing.get(i);
                    OpenFlow f = open.get(key);
                    if (f != null && closes(f, thisRound, now)) {
                        open.remove(key);
                        close(key, f);
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

    private boolean closes(OpenFlow f, long thisRound, long now) {
        boolean endedAndQuiet = f.ending && f.lastActiveRound < thisRound;
        return endedAndQuiet || now - f.lastActiveAt >= idleNanos;
    }

    /** The monitor stops: every open flow closes with its totals. */
    void closeAll() {
        lock.lock();
        try {
            for (Map.Entry<FlowKey, OpenFlow> e : open.entrySet()) {
                close(e.getKey(), e.getValue());
            }
            open.clear();
        } finally {
            lock.unlock();
        }
    }

    private void close(FlowKey key, OpenFlow f) {
        closedFlows++;
        hub.publish(event(FlowKind.CLOSED, key, f.packets, f.bytes, f.lastNanos, f.tcpFlags));
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

    private static FlowEvent event(FlowKind kind, FlowKey k, long packets, long bytes, long nanos, int tcpFlags) {
        return new FlowEvent(kind, k.direction(), Decision.ALLOW, k.srcHi(), k.srcLo(), k.srcPort(), k.dstHi(),
                k.dstLo(), k.dstPort(), k.protocol(), tcpFlags & 0xff, packets, bytes, nanos, 0, 0);
    }
}
