package io.cellflow.monitor;

import io.cellflow.flow.Decision;
import io.cellflow.flow.Direction;
import io.cellflow.flow.FlowEvent;
import io.cellflow.flow.FlowKind;
import java.util.ArrayList;
import java.util.List;

/**
 * The last {@code capacity} flow events of a cell, by sequence number, for clients that reconnect
 * ({@code Last-Event-ID}) and for the non-blocking {@code /flows/recent}. Sequence numbers are contiguous, so the
 * ring is indexed by {@code sequence % length}. The ring starts small and doubles as events arrive, up to
 * {@code capacity}: a thousand quiet cells do not each hold a full-size ring.
 *
 * <p>An event is kept as its fields in primitive arrays, plus the policy digest it was stamped with, and becomes
 * a stream item again only when read ({@link Rebuild}), which is rare. Kept as items, the newest 10,000 events of
 * a busy cell (about 4 MB of objects) survived every young collection and were copied by it: that was most of
 * G1's pause at 10k new flows/s. Not thread-safe: the owning {@link FlowHub} locks.
 */
final class ReplayBuffer {
    /** Turns a held event back into the item it was published as. */
    @FunctionalInterface
    interface Rebuild {
        StreamItem.Flow item(long sequence, FlowEvent event, String policyDigest);
    }

    private static final int INITIAL = 16;
    private static final FlowKind[] KINDS = FlowKind.values();
    private static final Direction[] DIRECTIONS = Direction.values();
    private static final Decision[] DECISIONS = Decision.values();

    private final int capacity;
    private final Rebuild rebuild;
    private int length; // 0, or a power of two below capacity, or capacity
    private long last; // sequence of the newest event, 0 when empty
    private long[] srcHi = {};
    private long[] srcLo = {};
    private long[] dstHi = {};
    private long[] dstLo = {};
    private long[] ports = {}; // srcPort << 32 | dstPort
    private long[] meta = {}; // kind | direction << 8 | decision << 16 | protocol << 24 | tcpFlags << 40
    private long[] packets = {};
    private long[] bytes = {};
    private long[] nanos = {};
    private long[] refs = {}; // ifindex << 32 | ruleRef
    private String[] digests = {}; // shared strings: one per policy in force, not one per event

    ReplayBuffer(int capacity, Rebuild rebuild) {
        this.capacity = Math.max(0, capacity);
        this.rebuild = rebuild;
    }

    /** Keeps event number {@code sequence} (the next one), stamped with {@code policyDigest}. */
    void add(long sequence, FlowEvent e, String policyDigest) {
        if (capacity == 0) {
            last = sequence;
            return;
        }
        if (sequence - oldest() >= length && length < capacity) {
            grow();
        }
        last = sequence;
        int i = (int) (last % length);
        srcHi[i] = e.srcHi();
        srcLo[i] = e.srcLo();
        dstHi[i] = e.dstHi();
        dstLo[i] = e.dstLo();
        ports[i] = (long) e.srcPort() << 32 | e.dstPort() & 0xffffffffL;
        meta[i] = e.kind().ordinal() | e.direction().ordinal() << 8 | e.decision().ordinal() << 16
                | (long) (e.protocol() & 0xffff) << 24 | (long) (e.tcpFlags() & 0xffff) << 40;
        packets[i] = e.packets();
        bytes[i] = e.bytes();
        nanos[i] = e.monotonicNanos();
        refs[i] = (long) e.ifindex() << 32 | e.ruleRef() & 0xffffffffL;
        if (digests[i] != policyDigest) { // the same string, mostly: a store into this old array costs a fence (G1)
            digests[i] = policyDigest;
        }
    }

    private FlowEvent event(int i) {
        long m = meta[i];
        return new FlowEvent(KINDS[(int) (m & 0xff)], DIRECTIONS[(int) (m >>> 8 & 0xff)],
                DECISIONS[(int) (m >>> 16 & 0xff)], srcHi[i], srcLo[i], (int) (ports[i] >> 32), dstHi[i], dstLo[i],
                (int) ports[i], (int) (m >>> 24 & 0xffff), (int) (m >>> 40 & 0xffff), packets[i], bytes[i],
                nanos[i], (int) (refs[i] >> 32), (int) refs[i]);
    }

    private StreamItem.Flow item(long sequence) {
        int i = (int) (sequence % length);
        return rebuild.item(sequence, event(i), digests[i]);
    }

    /** Doubles the ring (at most to capacity), keeping every held event at its index in the new length. */
    private void grow() {
        int next = (int) Math.min(capacity, Math.max(INITIAL, 2L * length));
        long from = oldest();
        int[] moves = new int[length == 0 ? 0 : (int) Math.max(0, last - from + 1)];
        for (int k = 0; k < moves.length; k++) {
            moves[k] = (int) ((from + k) % length);
        }
        srcHi = moved(srcHi, next, from, moves);
        srcLo = moved(srcLo, next, from, moves);
        dstHi = moved(dstHi, next, from, moves);
        dstLo = moved(dstLo, next, from, moves);
        ports = moved(ports, next, from, moves);
        meta = moved(meta, next, from, moves);
        packets = moved(packets, next, from, moves);
        bytes = moved(bytes, next, from, moves);
        nanos = moved(nanos, next, from, moves);
        refs = moved(refs, next, from, moves);
        String[] d = new String[next];
        for (int k = 0; k < moves.length; k++) {
            d[(int) ((from + k) % next)] = digests[moves[k]];
        }
        digests = d;
        length = next;
    }

    private static long[] moved(long[] old, int next, long from, int[] moves) {
        long[] a = new long[next];
        for (int k = 0; k < moves.length; k++) {
            a[(int) ((from + k) % next)] = old[moves[k]];
        }
        return a;
    }

    /** Sequence of the oldest event held (only meaningful when one is). */
    private long oldest() {
        return Math.max(1, last - length + 1);
    }

    /**
     * Events after {@code sequence}, oldest first; when some of them are no longer held, the list starts with a
     * {@link StreamItem.Lost} that counts them.
     */
    List<StreamItem> after(long sequence) {
        List<StreamItem> out = new ArrayList<>();
        long from = Math.max(sequence + 1, 1);
        long oldest = length == 0 ? last + 1 : oldest();
        if (from < oldest && from <= last) {
            out.add(new StreamItem.Lost(oldest - from, StreamItem.Lost.REPLAY_BUFFER));
            from = oldest;
        }
        for (long s = from; s <= last; s++) {
            out.add(item(s));
        }
        return out;
    }

    /** Up to {@code limit} newest events, oldest first. */
    List<StreamItem.Flow> newest(int limit) {
        List<StreamItem.Flow> out = new ArrayList<>();
        if (length == 0) {
            return out;
        }
        for (long s = Math.max(oldest(), last - limit + 1); s <= last && s >= 1; s++) {
            out.add(item(s));
        }
        return out;
    }
}
