package io.cellflow.monitor;

import io.cellflow.flow.Decision;
import io.cellflow.flow.Direction;
import io.cellflow.flow.DrainedFlows;
import io.cellflow.flow.FlowCounters;
import io.cellflow.flow.FlowEvent;
import io.cellflow.flow.FlowKey;
import io.cellflow.flow.FlowKind;
import io.cellflow.flow.FlowRecord;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * One cell's open flows, as an auditor would reconcile them: each flow is opened once with the packets and bytes
 * counted when it was first seen, updated with those counted since its previous report (only when there are
 * some), and closed with its totals, so its opened and updated counts add up to its close and to what the kernel
 * counted. A flow of one packet is opened and closed, with no update repeating what its open said.
 *
 * <p>Inputs: sightings from the ring buffer (poller thread) and drained flow-table entries (drain thread). The
 * kernel writes one ring record per flow-table entry, when it creates the entry, and the entry keeps what the
 * record carried; a sighting reports the record's counts, a drain the rest of the entry's ({@link
 * DrainedFlows#unreportedPackets}), so each packet is reported once, whichever is read first, and an entry that
 * holds no more than its record never reaches the ledger. The drain deletes the entries, so the flow's next packet
 * makes a new entry and record: a sighting of a flow already open is a continuation, whose counts wait (pending)
 * for the flow's next update, at the latest at the end of the drain round. A drain may also see a flow before its
 * ring record was read: it is opened then, with the counts the record does not carry. A flow closes when it saw FIN
 * or RST and then a drain with no new packets (so the final ACKs count), or when idle past the timeout. Unique flows
 * count openings, so a flow seen twice counts once, and a close without an open cannot happen. Thread-safe.
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
    /** Events a lock hold publishes at once, at most. */
    private static final int OUTBOX = 2 * CHUNK;
    /**
     * Flows the close pass looks at per lock hold. It looks only at the flows that saw FIN or RST, the idle ones
     * and one more per list (see {@link OpenFlowTable.DueScan}), so most passes take one hold; a burst of idle
     * closes takes several.
     */
    static final int SCAN = 4096;

    private final FlowHub hub;
    private final long idleNanos;
    private final int maxOpen;
    private final LongSupplier clock;
    private final ReentrantLock lock = new ReentrantLock(true);
    private final OpenFlowTable open = new OpenFlowTable();
    private long uniqueFlows;
    private long closedFlows;
    private long evictedFlows;
    private long round;
    /** Where {@link OpenFlowTable#warm}'s loads go, so that the JIT keeps them; never read. */
    @SuppressWarnings("unused")
    private long warmed;
    private final int[] sightingHashes = new int[CHUNK]; // under the lock
    /**
     * Under the lock: events not yet published. A new array per hold that emits: a young array takes references
     * without G1's write barrier, where a long-lived one took a fence per event.
     */
    private FlowEvent[] outbox;
    private int outboxCount; // under the lock
    /** Flows given pending counts since the last flush (ids, some stale or repeated: see flushPending); locked. */
    private int[] pendingIds = new int[16];
    private int pendingCount;
    private volatile boolean stopping;

    /** One drained flow-table entry, decoded outside the lock. */
    record Drained(FlowKey key, FlowCounters counters) {}

    FlowLedger(FlowHub hub, long idleNanos) {
        this(hub, idleNanos, Integer.MAX_VALUE, System::nanoTime);
    }

    /**
     * @param maxOpen the most flows left open after a drain round: the close pass closes the least recently active
     *     ones beyond it early, as if idle (a cell that opens flows faster than they go idle would otherwise grow
     *     the service's heap by ~130 bytes a flow until the idle timeout)
     */
    FlowLedger(FlowHub hub, long idleNanos, int maxOpen) {
        this(hub, idleNanos, maxOpen, System::nanoTime);
    }

    /** With {@code clock} for the times of activity and idleness (a test's clock), monotonic. */
    FlowLedger(FlowHub hub, long idleNanos, LongSupplier clock) {
        this(hub, idleNanos, Integer.MAX_VALUE, clock);
    }

    FlowLedger(FlowHub hub, long idleNanos, int maxOpen, LongSupplier clock) {
        if (maxOpen < 1) {
            throw new IllegalArgumentException("maxOpen must be >= 1, got " + maxOpen);
        }
        this.hub = hub;
        this.idleNanos = idleNanos;
        this.maxOpen = maxOpen;
        this.clock = clock;
    }

    /**
     * Queues an event for the hub. What a lock hold emits is published as one group before the lock is let go
     * ({@link #unlock}), so events still reach the hub in the order of the holds, and each hold publishes in order.
     */
    private void emit(FlowEvent event) {
        if (outbox == null) {
            outbox = new FlowEvent[OUTBOX];
        } else if (outboxCount == OUTBOX) {
            publishOutbox();
        }
        outbox[outboxCount++] = event;
    }

    private void publishOutbox() {
        int n = outboxCount;
        outboxCount = 0;
        hub.publish(outbox, n); // the hub keeps none of the array: it is refilled, or dropped at the unlock
    }

    /** Every unlock goes through here: it publishes what the hold emitted first. */
    private void unlock() {
        try {
            if (outboxCount > 0) {
                publishOutbox();
            }
            outbox = null;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The poller starts a batch of sightings: it holds the lock until {@link #endSightings()}, so a batch costs one
     * acquisition and a drain waiting for the lock gets it between batches.
     */
    void beginSightings() {
        lock.lock();
    }

    void endSightings() {
        unlock();
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
            sightedLocked(r, FlowKey.hash(r.direction(), r.protocol(), r.srcHi(), r.srcLo(), r.srcPort(), r.dstHi(),
                    r.dstLo(), r.dstPort()), clock.getAsLong());
        } finally {
            unlock();
        }
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
            long now = clock.getAsLong(); // one reading for the group: it was read off the ring at once
            for (int i = 0; i < n; i++) {
                sightedLocked(records[i], sightingHashes[i], now);
            }
        } finally {
            unlock();
        }
    }

    private void sightedLocked(FlowRecord r, int hash, long now) {
        if (r.kind() != FlowKind.OPENED || r.decision() != Decision.ALLOW) {
            emit(r.toEvent()); // not part of a flow's life (e.g. a denied packet): passed on as it is
            return;
        }
        int found = open.findOrAdd(r.direction(), r.protocol(), r.srcHi(), r.srcLo(), r.srcPort(), r.dstHi(),
                r.dstLo(), r.dstPort(), hash);
        boolean ending = FlowCounters.ending(r.tcpFlags());
        if (found < 0) {
            int id = -found - 1;
            start(id, r.monotonicNanos(), now, OpenFlowTable.SIGHTED);
            if (r.packets() > 0) {
                open.count(id, r.packets(), r.bytes(), r.monotonicNanos(), r.tcpFlags(), ending);
            }
            emit(r.toEvent());
        } else if (r.packets() > 0) { // a continuation: counted now, reported with the flow's next update
            open.count(found, r.packets(), r.bytes(), r.monotonicNanos(), r.tcpFlags(), ending);
            open.touch(found, open.lastNanos(found), round, now, OpenFlowTable.SIGHTED);
            if (open.addPending(found, r.packets(), r.bytes())) {
                if (pendingCount == pendingIds.length) {
                    pendingIds = Arrays.copyOf(pendingIds, 2 * pendingCount);
                }
                pendingIds[pendingCount++] = found;
            }
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
                unlock();
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
        long packets = e.unreportedPackets(i), bytes = e.unreportedBytes(i); // the record's are its sighting's
        if (packets == 0) {
            return false; // the sighting reports it all (the drainer skips such entries; a caller may not)
        }
        int tcpFlags = e.tcpFlags(i);
        int id = open.findOrAdd(d, proto, sh, sl, sp, dh, dl, dp, hash);
        boolean opens = id < 0;
        if (opens) { // before its ring record was read: opened with what the record does not carry
            id = -id - 1;
            start(id, e.firstNanos(i), now, OpenFlowTable.DRAINED);
        }
        open.count(id, packets, bytes, e.lastNanos(i), tcpFlags, e.ending(i));
        open.touch(id, open.lastNanos(id), round, now, OpenFlowTable.DRAINED);
        if (opens) {
            emit(event(FlowKind.OPENED, id, packets, bytes, e.firstNanos(i), tcpFlags));
        } else {
            long reported = packets + open.pendingPackets(id);
            long reportedBytes = bytes + open.pendingBytes(id);
            open.clearPending(id);
            emit(event(FlowKind.UPDATED, id, reported, reportedBytes, e.lastNanos(i), tcpFlags));
        }
        return true;
    }

    /**
     * Publishes the pending counts of continuations no drained entry reported with (their entries held no more
     * than their records), so a flow's packets are reported by the end of the round they were counted in. Under
     * the lock, before ids change ({@link OpenFlowTable#compact}). A listed id may since have closed (its pending
     * counts went out with its close) or been taken by another flow (listed itself if it has pending counts).
     */
    private void flushPending() {
        for (int i = 0; i < pendingCount; i++) {
            int id = pendingIds[i];
            if (open.isOpen(id) && open.pendingPackets(id) > 0) {
                reportPending(id);
            }
        }
        pendingCount = 0;
        if (pendingIds.length > 1024) {
            pendingIds = new int[16];
        }
    }

    private void reportPending(int id) {
        long packets = open.pendingPackets(id), bytes = open.pendingBytes(id);
        open.clearPending(id);
        emit(event(FlowKind.UPDATED, id, packets, bytes, open.lastNanos(id), open.tcpFlags(id)));
    }

    /** After a drain: closes ended and idle flows, without pacing. */
    void endOfDrain() {
        endOfDrain(DrainPacer.NONE);
    }

    /**
     * After a drain: closes ended and idle flows, and the least recently active beyond maxOpen. A
     * {@link OpenFlowTable.DueScan} picks them ({@value #SCAN}
     * flows looked at per lock hold, no events), then they close in the order of their ids, {@value #CHUNK} per
     * lock hold, {@code pacer} between chunks. Only drains change an open flow and only this thread removes one,
     * so a picked id is still that flow when it closes; a flow the poller adds during the pass may be missed, and
     * it is not due anyway.
     */
    void endOfDrain(DrainPacer pacer) {
        long now = clock.getAsLong();
        long thisRound = round; // only this thread changes it
        OpenFlowTable.DueScan scan = new OpenFlowTable.DueScan(thisRound, now, idleNanos, maxOpen);
        while (!scan.finished()) {
            lock.lock();
            try {
                open.scanDue(scan, SCAN);
            } finally {
                unlock();
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
                unlock();
            }
        }
        lock.lock();
        try {
            evictedFlows += scan.evicted();
            flushPending();
            open.compact(); // no ids are held now
            round++;
        } finally {
            unlock();
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
            pendingCount = 0;
            open.clear();
        } finally {
            unlock();
        }
    }

    private void close(int id) {
        if (open.pendingPackets(id) > 0) { // so that the flow's opened and updated counts add up to its close
            reportPending(id);
        }
        closedFlows++;
        emit(event(FlowKind.CLOSED, id, open.packets(id), open.bytes(id), open.lastNanos(id),
                open.tcpFlags(id)));
    }

    long uniqueFlows() {
        lock.lock();
        try {
            return uniqueFlows;
        } finally {
            unlock();
        }
    }

    long openFlows() {
        lock.lock();
        try {
            return open.size();
        } finally {
            unlock();
        }
    }

    /** Flows closed early because more than maxOpen were open (counted in {@link #closedFlows()} too). */
    long evictedFlows() {
        lock.lock();
        try {
            return evictedFlows;
        } finally {
            unlock();
        }
    }

    long closedFlows() {
        lock.lock();
        try {
            return closedFlows;
        } finally {
            unlock();
        }
    }

    private FlowEvent event(FlowKind kind, int id, long packets, long bytes, long nanos, int tcpFlags) {
        return new FlowEvent(kind, open.direction(id), Decision.ALLOW, open.srcHi(id), open.srcLo(id),
                open.srcPort(id), open.dstHi(id), open.dstLo(id), open.dstPort(id), open.protocol(id),
                tcpFlags & 0xff, packets, bytes, nanos, 0, 0);
    }
}
