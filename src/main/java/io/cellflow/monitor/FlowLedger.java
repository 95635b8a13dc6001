package io.cellflow.monitor;

import io.cellflow.flow.Decision;
import io.cellflow.flow.Direction;
import io.cellflow.flow.DrainedFlows;
import io.cellflow.flow.FlowCounters;
import io.cellflow.flow.FlowEvent;
import io.cellflow.flow.FlowKey;
import io.cellflow.flow.FlowKind;
import io.cellflow.flow.FlowRecord;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * One cell's open flows, as an auditor would reconcile them: each flow is opened once with the packets and bytes
 * counted when it was first seen, updated with those counted since its previous report (only when there are
 * some), and closed with its totals, so its opened and updated counts add up to its close and to what the kernel
 * counted. A flow of one packet, or of a burst the first sighting or drain saw whole, is opened and closed, with no
 * update repeating what its open said.
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
    /**
     * Flows the close pass looks at per lock hold. It looks only at the flows that saw FIN or RST, the idle ones
     * and one more per list (see {@link OpenFlowTable.DueScan}), so most passes take one hold; a burst of idle
     * closes takes several.
     */
    static final int SCAN = 4096;

    private final FlowHub hub;
    private final long idleNanos;
    private final LongSupplier clock;
    private final ReentrantLock lock = new ReentrantLock(true);
    private final OpenFlowTable open = new OpenFlowTable();
    private long uniqueFlows;
    private long closedFlows;
    private long round;
    /** Where {@link OpenFlowTable#warm}'s loads go, so that the JIT keeps them; never read. */
    @SuppressWarnings("unused")
    private long warmed;
    private final int[] sightingHashes = new int[CHUNK]; // under the lock
    private volatile boolean stopping;

    /** One drained flow-table entry, decoded outside the lock. */
    record Drained(FlowKey key, FlowCounters counters) {}

    FlowLedger(FlowHub hub, long idleNanos) {
        this(hub, idleNanos, System::nanoTime);
    }

    /** With {@code clock} for the times of activity and idleness (a test's clock), monotonic. */
    FlowLedger(FlowHub hub, long idleNanos, LongSupplier clock) {
        this.hub = hub;
        this.idleNanos = idleNanos;
        this.clock = clock;
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
        sighted(r, FlowKey.hash(r.direction(), r.protocol(), r.srcHi(), r.srcLo(), r.srcPort(), r.dstHi(), r.dstLo(),
                r.dstPort()));
    }

    /**
     * Sightings {@code records[0..n)} in order, as {@link #sighted(FlowRecord)} each, in one lock hold; the table's
     * slots and rows they probe are loaded first, all at once (see {@link OpenFlowTable#warm}). At most
     * {@value #CHUNK}; the records are not kept.
     */
    void sighted(FlowRecord[] records, int n) {
        lock.lock();
        try {
            warmed += open.warm(records, n, sightingHashes);
            for (int i = 0; i < n; i++) {
                sighted(records[i], sightingHashes[i]);
            }
        } finally {
            lock.unlock();
        }
    }

    private void sighted(FlowRecord r, int hash) {
        lock.lock();
        try {
            if (r.kind() != FlowKind.OPENED || r.decision() != Decision.ALLOW) {
                hub.publish(r.toEvent()); // not part of a flow's life (e.g. a denied packet): passed on as it is
                return;
            }
            int found = open.findOrAdd(r.direction(), r.protocol(), r.srcHi(), r.srcLo(), r.srcPort(), r.dstHi(),
                    r.dstLo(), r.dstPort(), hash);
            if (found < 0) {
                int id = -found - 1;
                start(id, r.monotonicNanos(), clock.getAsLong(), OpenFlowTable.SIGHTED);
                if (r.packets() > 0) {
                    open.countOpened(id, r.packets(), r.bytes(), r.monotonicNanos(), r.tcpFlags(),
                            FlowCounters.ending(r.tcpFlags()));
                }
                hub.publish(r.toEvent());
            }
        } finally {
            lock.unlock();
        }
    }

    private void start(int id, long firstNanos, long now, int lane) {
        open.touch(id, firstNanos, round, now, lane);
        uniqueFlows++;
    }

    /** Counts drained from the kernel for one flow: an update, opening the flow first if needed. */
    void drained(FlowKey key, FlowCounters c) {
        drained(List.of(new Drained(key, c)));
    }

    /** One drain's entries, applied in order, {@value #CHUNK} per lock hold, without pacing. */
    void drained(List<Drained> entries) {
        drained(entries, DrainPacer.NONE);
    }

    /** One drain's entries, applied in order, {@value #CHUNK} per lock hold, {@code pacer} between chunks. */
    void drained(List<Drained> entries, DrainPacer pacer) {
        DrainedFlows flows = new DrainedFlows();
        for (Drained d : entries) {
            flows.add(d.key(), d.counters());
        }
        drained(flows, pacer);
    }

    /** One drain's entries, applied in order, {@value #CHUNK} per lock hold, without pacing. */
    void drained(DrainedFlows entries) {
        drained(entries, DrainPacer.NONE);
    }

    /**
     * One drain's entries, applied in order, {@value #CHUNK} per lock hold, {@code pacer} between chunks;
     * {@code entries} is not kept.
     */
    void drained(DrainedFlows entries, DrainPacer pacer) {
        long now = clock.getAsLong();
        int size = entries.size();
        int[] hashes = new int[CHUNK];
        boolean published = false;
        for (int from = 0; from < size; from += CHUNK) {
            // pacing spaces out events; a chunk that published none (flows whose opens said it all) needs no gap
            if (published && !stopping) {
                pacer.betweenChunks(chunks(size - from));
            }
            published = false;
            int to = Math.min(size, from + CHUNK);
            lock.lock();
            try {
                warmed += open.warm(entries, from, to, hashes);
                for (int i = from; i < to; i++) {
                    published |= apply(entries, i, hashes[i - from], now);
                }
            } finally {
                lock.unlock();
            }
        }
    }

    private static int chunks(int steps) {
        return (steps + CHUNK - 1) / CHUNK;
    }

    /** @return whether it published an event */
    private boolean apply(DrainedFlows e, int i, int hash, long now) {
        Direction d = e.direction(i);
        int proto = e.protocol(i);
        long sh = e.srcHi(i), sl = e.srcLo(i), dh = e.dstHi(i), dl = e.dstLo(i);
        int sp = e.srcPort(i), dp = e.dstPort(i);
        long packets = e.packets(i), bytes = e.bytes(i);
        int tcpFlags = e.tcpFlags(i);
        int id = open.findOrAdd(d, proto, sh, sl, sp, dh, dl, dp, hash);
        boolean opens = id < 0;
        if (opens) { // before its ring record was read: the open reports what the drain found
            id = -id - 1;
            start(id, e.firstNanos(i), now, OpenFlowTable.DRAINED);
        } else if (open.takeOpenedCounts(id)) { // this entry made the sighting: its open reported the start of it
            packets = Math.max(0, packets - open.packets(id));
            bytes = Math.max(0, bytes - open.bytes(id));
        }
        if (packets > 0) {
            open.count(id, packets, bytes, e.lastNanos(i), tcpFlags, e.ending(i));
            open.touch(id, open.lastNanos(id), round, now, OpenFlowTable.DRAINED);
        }
        if (opens) {
            hub.publish(event(FlowKind.OPENED, id, packets, bytes, e.firstNanos(i), tcpFlags));
        } else if (packets > 0) {
            hub.publish(event(FlowKind.UPDATED, id, packets, bytes, e.lastNanos(i), tcpFlags));
        } else {
            return false;
        }
        return true;
    }

    /** After a drain: closes ended and idle flows, without pacing. */
    void endOfDrain() {
        endOfDrain(DrainPacer.NONE);
    }

    /**
     * After a drain: closes ended and idle flows. A {@link OpenFlowTable.DueScan} picks them ({@value #SCAN}
     * flows looked at per lock hold, no events), then they close in the order of their ids, {@value #CHUNK} per
     * lock hold, {@code pacer} between chunks. Only drains change an open flow and only this thread removes one,
     * so a picked id is still that flow when it closes; a flow the poller adds during the pass may be missed, and
     * it is not due anyway.
     */
    void endOfDrain(DrainPacer pacer) {
        long now = clock.getAsLong();
        long thisRound = round; // only this thread changes it
        OpenFlowTable.DueScan scan = new OpenFlowTable.DueScan(thisRound, now, idleNanos);
        while (!scan.finished()) {
            lock.lock();
            try {
                open.scanDue(scan, SCAN);
            } finally {
                lock.unlock();
            }
        }
        int[] closing = scan.sortedDue(); // flows close in the order of their ids, as a scan over the ids had them
        int n = scan.count();
        for (int from = 0; from < n; from += CHUNK) {
            if (from > 0 && !stopping) {
                pacer.betweenChunks(chunks(n - from));
            }
            int to = Math.min(n, from + CHUNK);
            lock.lock();
            try {
                for (int i = from; i < to; i++) {
                    close(closing[i]);
                    open.remove(closing[i]);
                }
            } finally {
                lock.unlock();
            }
        }
        lock.lock();
        try {
            open.compact(); // no ids are held now
            round++;
        } finally {
            lock.unlock();
        }
    }

    /** The monitor is about to stop: a paced drain still running finishes at full speed, so the stop waits less. */
    void stopping() {
        stopping = true;
    }

    /** The monitor stops: every open flow closes with its totals. */
    void closeAll() {
        lock.lock();
        try {
            for (int id = 0; id < open.idLimit(); id++) {
                if (open.isOpen(id)) {
                    close(id);
                }
            }
            open.clear();
        } finally {
            lock.unlock();
        }
    }

    private void close(int id) {
        closedFlows++;
        hub.publish(event(FlowKind.CLOSED, id, open.packets(id), open.bytes(id), open.lastNanos(id),
                open.tcpFlags(id)));
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

    private FlowEvent event(FlowKind kind, int id, long packets, long bytes, long nanos, int tcpFlags) {
        return new FlowEvent(kind, open.direction(id), Decision.ALLOW, open.srcHi(id), open.srcLo(id),
                open.srcPort(id), open.dstHi(id), open.dstLo(id), open.dstPort(id), open.protocol(id),
                tcpFlags & 0xff, packets, bytes, nanos, 0, 0);
    }
}
