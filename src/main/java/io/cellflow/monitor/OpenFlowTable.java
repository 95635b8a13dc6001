package io.cellflow.monitor;

import io.cellflow.flow.Direction;
import io.cellflow.flow.FlowKey;
import java.util.Arrays;

/**
 * The ledger's open flows, in primitive arrays: a flow is an id (an index into one array per field), found by
 * its key through an open-addressing index (linear probing, at most half full, backward-shift deletion). No
 * object per flow: a busy cell holds every flow until its idle timeout (300k flows at 10k new flows/s and 30 s),
 * and as objects they survived young collections and were copied by each one, which made G1's pauses long. The
 * arrays hold no references, so the collector neither copies nor scans them.
 *
 * <p>Ids are stable while a flow is open, through growth of the table, until {@link #compact()}, which the owner
 * calls when it holds no ids. Not thread-safe: the ledger's lock guards it.
 */
final class OpenFlowTable {
    private static final int MIN_CAPACITY = 64;
    private static final Direction[] DIRECTIONS = Direction.values();
    private static final int USED = 1 << 24;
    private static final int ENDING = 1 << 25;

    // the key, per id
    private long[] srcHi;
    private long[] srcLo;
    private long[] dstHi;
    private long[] dstLo;
    private long[] ports; // srcPort << 32 | dstPort
    private int[] meta; // protocol | direction << 8 | tcpFlags << 16 | USED | ENDING
    private int[] hashes;
    // what the ledger tracks, per id
    private long[] packets;
    private long[] bytes;
    private long[] lastNanos;
    private long[] lastActiveRound;
    private long[] lastActiveAt;
    /** Free ids below {@link #highWater}, a stack. */
    private int[] free;
    private int freeCount;
    /** Ids at or above it were never used since the last compaction. */
    private int highWater;
    /** id + 1 of the flow in each index slot, 0 for an empty slot; twice the id capacity. */
    private int[] index;
    private int size;

    OpenFlowTable() {
        allocate(MIN_CAPACITY);
    }

    private void allocate(int capacity) {
        srcHi = new long[capacity];
        srcLo = new long[capacity];
        dstHi = new long[capacity];
        dstLo = new long[capacity];
        ports = new long[capacity];
        meta = new int[capacity];
        hashes = new int[capacity];
        packets = new long[capacity];
        bytes = new long[capacity];
        lastNanos = new long[capacity];
        lastActiveRound = new long[capacity];
        lastActiveAt = new long[capacity];
        free = new int[capacity];
        freeCount = 0;
        highWater = 0;
        index = new int[2 * capacity];
        size = 0;
    }

    int size() {
        return size;
    }

    /** Ids are below this. */
    int idLimit() {
        return highWater;
    }

    /** The id of the open flow with this key, or -1. */
    int find(FlowKey k) {
        return find(k.direction(), k.protocol(), k.srcHi(), k.srcLo(), k.srcPort(), k.dstHi(), k.dstLo(),
                k.dstPort());
    }

    /** The id of the open flow with this key, or -1. */
    int find(Direction d, int proto, long sh, long sl, int sp, long dh, long dl, int dp) {
        int[] ix = index;
        int mask = ix.length - 1;
        long pp = ports(sp, dp);
        int m = proto & 0xff | d.ordinal() << 8;
        for (int i = FlowKey.hash(d, proto, sh, sl, sp, dh, dl, dp) & mask; ; i = (i + 1) & mask) {
            int id = ix[i] - 1;
            if (id < 0) {
                return -1;
            }
            if (srcLo[id] == sl && dstLo[id] == dl && ports[id] == pp && srcHi[id] == sh && dstHi[id] == dh
                    && (meta[id] & 0xffff) == m) {
                return id;
            }
        }
    }

    /** Adds a flow whose key is not in the table (the caller looked it up); returns its id, counts all zero. */
    int add(Direction d, int proto, long sh, long sl, int sp, long dh, long dl, int dp) {
        if (size == free.length) {
            grow();
        }
        int id = freeCount > 0 ? free[--freeCount] : highWater++;
        srcHi[id] = sh;
        srcLo[id] = sl;
        dstHi[id] = dh;
        dstLo[id] = dl;
        ports[id] = ports(sp, dp);
        meta[id] = proto & 0xff | d.ordinal() << 8 | USED;
        hashes[id] = FlowKey.hash(d, proto, sh, sl, sp, dh, dl, dp);
        packets[id] = 0;
        bytes[id] = 0;
        lastNanos[id] = 0;
        lastActiveRound[id] = 0;
        lastActiveAt[id] = 0;
        insert(index, hashes[id], id);
        size++;
        return id;
    }

    int add(FlowKey k) {
        return add(k.direction(), k.protocol(), k.srcHi(), k.srcLo(), k.srcPort(), k.dstHi(), k.dstLo(),
                k.dstPort());
    }

    /** True while {@code id} is an open flow. */
    boolean isOpen(int id) {
        return id >= 0 && id < highWater && (meta[id] & USED) != 0;
    }

    /** Removes the flow {@code id}; false if it is not open. */
    boolean remove(int id) {
        if (!isOpen(id)) {
            return false;
        }
        int[] ix = index;
        int mask = ix.length - 1;
        int i = hashes[id] & mask;
        while (ix[i] != id + 1) {
            i = (i + 1) & mask;
        }
        ix[i] = 0;
        // shift back the run after the hole, so every flow stays reachable from its home slot
        for (int j = (i + 1) & mask; ix[j] != 0; j = (j + 1) & mask) {
            int home = hashes[ix[j] - 1] & mask;
            boolean homeInHole = i <= j ? home <= i || home > j : home <= i && home > j;
            if (homeInHole) {
                ix[i] = ix[j];
                ix[j] = 0;
                i = j;
            }
        }
        meta[id] = 0;
        free[freeCount++] = id;
        size--;
        return true;
    }

    /**
     * Gives back the memory of a burst: when at most an eighth of the ids are open, moves the open flows to the
     * lowest ids of smaller arrays. Every id the caller held is void afterwards.
     */
    void compact() {
        int capacity = free.length;
        if (capacity <= MIN_CAPACITY || 8 * size >= capacity) {
            return;
        }
        int next = Math.max(MIN_CAPACITY, Integer.highestOneBit(Math.max(1, size)) * 4);
        rebuild(next);
    }

    void clear() {
        allocate(MIN_CAPACITY);
    }

    // --- the fields of an open flow -----------------------------------------------------------------------

    Direction direction(int id) {
        return DIRECTIONS[meta[id] >>> 8 & 0xff];
    }

    int protocol(int id) {
        return meta[id] & 0xff;
    }

    long srcHi(int id) {
        return srcHi[id];
    }

    long srcLo(int id) {
        return srcLo[id];
    }

    int srcPort(int id) {
        return (int) (ports[id] >> 32);
    }

    long dstHi(int id) {
        return dstHi[id];
    }

    long dstLo(int id) {
        return dstLo[id];
    }

    int dstPort(int id) {
        return (int) ports[id];
    }

    long packets(int id) {
        return packets[id];
    }

    long bytes(int id) {
        return bytes[id];
    }

    long lastNanos(int id) {
        return lastNanos[id];
    }

    int tcpFlags(int id) {
        return meta[id] >>> 16 & 0xff;
    }

    boolean ending(int id) {
        return (meta[id] & ENDING) != 0;
    }

    long lastActiveRound(int id) {
        return lastActiveRound[id];
    }

    long lastActiveAt(int id) {
        return lastActiveAt[id];
    }

    /** The flow was active now, in drain round {@code round}; {@code lastNanos} is its last packet so far. */
    void touch(int id, long lastNanos, long round, long now) {
        this.lastNanos[id] = lastNanos;
        lastActiveRound[id] = round;
        lastActiveAt[id] = now;
    }

    /** Adds drained counts: packets, bytes, the last packet's time (the later one wins), TCP flags, ending. */
    void count(int id, long packets, long bytes, long lastNanos, int tcpFlags, boolean ending) {
        this.packets[id] += packets;
        this.bytes[id] += bytes;
        this.lastNanos[id] = Math.max(this.lastNanos[id], lastNanos);
        meta[id] |= (tcpFlags & 0xff) << 16 | (ending ? ENDING : 0);
    }

    // --- storage --------------------------------------------------------------------------------------------

    private static long ports(int sp, int dp) {
        return (long) sp << 32 | dp & 0xffffffffL;
    }

    private void grow() {
        int capacity = free.length * 2;
        srcHi = Arrays.copyOf(srcHi, capacity);
        srcLo = Arrays.copyOf(srcLo, capacity);
        dstHi = Arrays.copyOf(dstHi, capacity);
        dstLo = Arrays.copyOf(dstLo, capacity);
        ports = Arrays.copyOf(ports, capacity);
        meta = Arrays.copyOf(meta, capacity);
        hashes = Arrays.copyOf(hashes, capacity);
        packets = Arrays.copyOf(packets, capacity);
        bytes = Arrays.copyOf(bytes, capacity);
        lastNanos = Arrays.copyOf(lastNanos, capacity);
        lastActiveRound = Arrays.copyOf(lastActiveRound, capacity);
        lastActiveAt = Arrays.copyOf(lastActiveAt, capacity);
        free = Arrays.copyOf(free, capacity); // the table is full: no free ids to keep
        int[] bigger = new int[2 * capacity];
        for (int id = 0; id < highWater; id++) {
            if ((meta[id] & USED) != 0) {
                insert(bigger, hashes[id], id);
            }
        }
        index = bigger;
    }

    /** Moves every open flow to the lowest ids of arrays of {@code capacity} ids. */
    private void rebuild(int capacity) {
        OpenFlowTable old = new OpenFlowTable(this);
        allocate(capacity);
        for (int from = 0; from < old.highWater; from++) {
            if ((old.meta[from] & USED) == 0) {
                continue;
            }
            int id = highWater++;
            srcHi[id] = old.srcHi[from];
            srcLo[id] = old.srcLo[from];
            dstHi[id] = old.dstHi[from];
            dstLo[id] = old.dstLo[from];
            ports[id] = old.ports[from];
            meta[id] = old.meta[from];
            hashes[id] = old.hashes[from];
            packets[id] = old.packets[from];
            bytes[id] = old.bytes[from];
            lastNanos[id] = old.lastNanos[from];
            lastActiveRound[id] = old.lastActiveRound[from];
            lastActiveAt[id] = old.lastActiveAt[from];
            insert(index, hashes[id], id);
            size++;
        }
    }

    /** A view of another table's arrays (for {@link #rebuild}). */
    private OpenFlowTable(OpenFlowTable t) {
        srcHi = t.srcHi;
        srcLo = t.srcLo;
        dstHi = t.dstHi;
        dstLo = t.dstLo;
        ports = t.ports;
        meta = t.meta;
        hashes = t.hashes;
        packets = t.packets;
        bytes = t.bytes;
        lastNanos = t.lastNanos;
        lastActiveRound = t.lastActiveRound;
        lastActiveAt = t.lastActiveAt;
        free = t.free;
        freeCount = t.freeCount;
        highWater = t.highWater;
        index = t.index;
        size = t.size;
    }

    private static void insert(int[] ix, int hash, int id) {
        int mask = ix.length - 1;
        int i = hash & mask;
        while (ix[i] != 0) {
            i = (i + 1) & mask;
        }
        ix[i] = id + 1;
    }
}
