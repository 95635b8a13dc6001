package io.cellflow.monitor;

import io.cellflow.flow.Direction;
import io.cellflow.flow.DrainedFlows;
import io.cellflow.flow.FlowKey;
import io.cellflow.flow.FlowRecord;
import java.util.Arrays;

/**
 * The ledger's open flows, in primitive arrays: a flow is an id (a row of {@value #ROW} longs in one array: key,
 * meta with the key's hash, counts), found by its key through an open-addressing index (linear probing, at most
 * half full, backward-shift deletion) whose slots hold the hash next to the id. A lookup compares hashes in the
 * index and touches a row only on a hash match, and a row's fields sit together: with one array per field a
 * lookup and the update after it missed the cache once per field (a table of 500k flows is far bigger than the
 * cache), and that was the drain thread's largest cost. No
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

    // the fields of a row
    private static final int SRC_HI = 0, SRC_LO = 1, DST_HI = 2, DST_LO = 3;
    private static final int PORTS = 4; // srcPort << 32 | dstPort
    private static final int META = 5; // hash << 32 | protocol | direction << 8 | tcpFlags << 16 | USED | ENDING
    private static final int PACKETS = 6, BYTES = 7, LAST_NANOS = 8, LAST_ACTIVE_ROUND = 9, LAST_ACTIVE_AT = 10;
    static final int ROW = 11;

    /** One row per id. */
    private long[] rows;
    /** Free ids below {@link #highWater}, a stack; its length is the id capacity. */
    private int[] free;
    private int freeCount;
    /** Ids at or above it were never used since the last compaction. */
    private int highWater;
    /** Per slot: the flow's hash << 32 | its id + 1, 0 for an empty slot; twice the id capacity. */
    private long[] index;
    private int size;

    OpenFlowTable() {
        allocate(MIN_CAPACITY);
    }

    private void allocate(int capacity) {
        rows = new long[capacity * ROW];
        free = new int[capacity];
        freeCount = 0;
        highWater = 0;
        index = new long[2 * capacity];
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
        int hash = FlowKey.hash(d, proto, sh, sl, sp, dh, dl, dp);
        long pp = ports(sp, dp);
        int m = proto & 0xff | d.ordinal() << 8;
        long[] ix = index;
        long[] r = rows;
        int mask = ix.length - 1;
        for (int i = hash & mask; ; i = (i + 1) & mask) {
            long slot = ix[i];
            if (slot == 0) {
                return -1;
            }
            if ((int) (slot >>> 32) == hash) {
                int id = (int) slot - 1;
                int b = id * ROW;
                if (r[b + SRC_LO] == sl && r[b + DST_LO] == dl && r[b + PORTS] == pp && r[b + SRC_HI] == sh
                        && r[b + DST_HI] == dh && ((int) r[b + META] & 0xffff) == m) {
                    return id;
                }
            }
        }
    }

    /** Adds a flow whose key is not in the table (the caller looked it up); returns its id, counts all zero. */
    int add(Direction d, int proto, long sh, long sl, int sp, long dh, long dl, int dp) {
        return insertNew(d, proto, sh, sl, sp, dh, dl, dp, FlowKey.hash(d, proto, sh, sl, sp, dh, dl, dp));
    }

    int add(FlowKey k) {
        return add(k.direction(), k.protocol(), k.srcHi(), k.srcLo(), k.srcPort(), k.dstHi(), k.dstLo(),
                k.dstPort());
    }

    /**
     * The id of the open flow with this key, or, when there is none, adds it (counts all zero) and returns
     * {@code -(id + 1)}: one probe of the index where {@link #find} then {@link #add} take two.
     */
    int findOrAdd(Direction d, int proto, long sh, long sl, int sp, long dh, long dl, int dp) {
        return findOrAdd(d, proto, sh, sl, sp, dh, dl, dp, FlowKey.hash(d, proto, sh, sl, sp, dh, dl, dp));
    }

    /** As {@link #findOrAdd(Direction, int, long, long, int, long, long, int)}, with the key's hash given. */
    int findOrAdd(Direction d, int proto, long sh, long sl, int sp, long dh, long dl, int dp, int hash) {
        if (size == free.length) {
            grow(); // before the probe: the empty slot it ends at is where the new flow goes
        }
        long pp = ports(sp, dp);
        int m = proto & 0xff | d.ordinal() << 8;
        long[] ix = index;
        long[] r = rows;
        int mask = ix.length - 1;
        for (int i = hash & mask; ; i = (i + 1) & mask) {
            long slot = ix[i];
            if (slot == 0) {
                int id = newRow(d, proto, sh, sl, sp, dh, dl, dp, hash);
                ix[i] = slot(hash, id);
                return -(id + 1);
            }
            if ((int) (slot >>> 32) == hash) {
                int id = (int) slot - 1;
                int b = id * ROW;
                if (r[b + SRC_LO] == sl && r[b + DST_LO] == dl && r[b + PORTS] == pp && r[b + SRC_HI] == sh
                        && r[b + DST_HI] == dh && ((int) r[b + META] & 0xffff) == m) {
                    return id;
                }
            }
        }
    }

    /**
     * Before a chunk of drained entries is applied: computes their keys' hashes into {@code hashes} and loads the
     * index slots, then the rows, they will probe. Each loop's loads are independent of each other, so the CPU
     * has many cache misses in flight at once, where lookups one after another wait for each miss in turn (the
     * table of a busy cell is far bigger than the cache). Returns a value made of what was loaded, so that the
     * loads are not optimised away; it means nothing.
     */
    long warm(DrainedFlows e, int from, int to, int[] hashes) {
        long[] ix = index;
        long[] r = rows;
        int mask = ix.length - 1;
        long seen = 0;
        for (int i = from; i < to; i++) {
            int h = FlowKey.hash(e.direction(i), e.protocol(i), e.srcHi(i), e.srcLo(i), e.srcPort(i), e.dstHi(i),
                    e.dstLo(i), e.dstPort(i));
            hashes[i - from] = h;
            seen += ix[h & mask];
        }
        for (int i = from; i < to; i++) {
            long slot = ix[hashes[i - from] & mask];
            int id = (int) slot - 1;
            if (id >= 0 && id < highWater) {
                seen += r[id * ROW + SRC_LO];
            }
        }
        return seen;
    }

    /** As {@link #warm(DrainedFlows, int, int, int[])}, for sightings {@code records[0..n)}. */
    long warm(FlowRecord[] records, int n, int[] hashes) {
        long[] ix = index;
        long[] r = rows;
        int mask = ix.length - 1;
        long seen = 0;
        for (int i = 0; i < n; i++) {
            FlowRecord f = records[i];
            int h = FlowKey.hash(f.direction(), f.protocol(), f.srcHi(), f.srcLo(), f.srcPort(), f.dstHi(),
                    f.dstLo(), f.dstPort());
            hashes[i] = h;
            seen += ix[h & mask];
        }
        for (int i = 0; i < n; i++) {
            int id = (int) ix[hashes[i] & mask] - 1;
            if (id >= 0 && id < highWater) {
                seen += r[id * ROW + SRC_LO];
            }
        }
        return seen;
    }

    private int insertNew(Direction d, int proto, long sh, long sl, int sp, long dh, long dl, int dp, int hash) {
        if (size == free.length) {
            grow();
        }
        int id = newRow(d, proto, sh, sl, sp, dh, dl, dp, hash);
        insert(index, slot(hash, id));
        return id;
    }

    /** Takes an id and writes its row; the caller puts it in the index. */
    private int newRow(Direction d, int proto, long sh, long sl, int sp, long dh, long dl, int dp, int hash) {
        int id = freeCount > 0 ? free[--freeCount] : highWater++;
        int b = id * ROW;
        long[] r = rows;
        r[b + SRC_HI] = sh;
        r[b + SRC_LO] = sl;
        r[b + DST_HI] = dh;
        r[b + DST_LO] = dl;
        r[b + PORTS] = ports(sp, dp);
        r[b + META] = (long) hash << 32 | (proto & 0xff | d.ordinal() << 8 | USED) & 0xffffffffL;
        r[b + PACKETS] = 0;
        r[b + BYTES] = 0;
        r[b + LAST_NANOS] = 0;
        r[b + LAST_ACTIVE_ROUND] = 0;
        r[b + LAST_ACTIVE_AT] = 0;
        size++;
        return id;
    }

    /** True while {@code id} is an open flow. */
    boolean isOpen(int id) {
        return id >= 0 && id < highWater && (meta(id) & USED) != 0;
    }

    /** Removes the flow {@code id}; false if it is not open. */
    boolean remove(int id) {
        if (!isOpen(id)) {
            return false;
        }
        long[] ix = index;
        int mask = ix.length - 1;
        int i = hash(id) & mask;
        while ((int) ix[i] != id + 1) {
            i = (i + 1) & mask;
        }
        ix[i] = 0;
        // shift back the run after the hole, so every flow stays reachable from its home slot
        for (int j = (i + 1) & mask; ix[j] != 0; j = (j + 1) & mask) {
            int home = (int) (ix[j] >>> 32) & mask;
            boolean homeInHole = i <= j ? home <= i || home > j : home <= i && home > j;
            if (homeInHole) {
                ix[i] = ix[j];
                ix[j] = 0;
                i = j;
            }
        }
        rows[id * ROW + META] = 0;
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
        return DIRECTIONS[meta(id) >>> 8 & 0xff];
    }

    int protocol(int id) {
        return meta(id) & 0xff;
    }

    long srcHi(int id) {
        return rows[id * ROW + SRC_HI];
    }

    long srcLo(int id) {
        return rows[id * ROW + SRC_LO];
    }

    int srcPort(int id) {
        return (int) (rows[id * ROW + PORTS] >> 32);
    }

    long dstHi(int id) {
        return rows[id * ROW + DST_HI];
    }

    long dstLo(int id) {
        return rows[id * ROW + DST_LO];
    }

    int dstPort(int id) {
        return (int) rows[id * ROW + PORTS];
    }

    long packets(int id) {
        return rows[id * ROW + PACKETS];
    }

    long bytes(int id) {
        return rows[id * ROW + BYTES];
    }

    long lastNanos(int id) {
        return rows[id * ROW + LAST_NANOS];
    }

    int tcpFlags(int id) {
        return meta(id) >>> 16 & 0xff;
    }

    boolean ending(int id) {
        return (meta(id) & ENDING) != 0;
    }

    long lastActiveRound(int id) {
        return rows[id * ROW + LAST_ACTIVE_ROUND];
    }

    long lastActiveAt(int id) {
        return rows[id * ROW + LAST_ACTIVE_AT];
    }

    /** The flow was active now, in drain round {@code round}; {@code lastNanos} is its last packet so far. */
    void touch(int id, long lastNanos, long round, long now) {
        int b = id * ROW;
        rows[b + LAST_NANOS] = lastNanos;
        rows[b + LAST_ACTIVE_ROUND] = round;
        rows[b + LAST_ACTIVE_AT] = now;
    }

    /** Adds drained counts: packets, bytes, the last packet's time (the later one wins), TCP flags, ending. */
    void count(int id, long packets, long bytes, long lastNanos, int tcpFlags, boolean ending) {
        int b = id * ROW;
        long[] r = rows;
        r[b + PACKETS] += packets;
        r[b + BYTES] += bytes;
        r[b + LAST_NANOS] = Math.max(r[b + LAST_NANOS], lastNanos);
        r[b + META] |= ((tcpFlags & 0xff) << 16 | (ending ? ENDING : 0)) & 0xffffffffL;
    }

    // --- storage --------------------------------------------------------------------------------------------

    private int meta(int id) {
        return (int) rows[id * ROW + META];
    }

    private int hash(int id) {
        return (int) (rows[id * ROW + META] >>> 32);
    }

    private static long ports(int sp, int dp) {
        return (long) sp << 32 | dp & 0xffffffffL;
    }

    private static long slot(int hash, int id) {
        return (long) hash << 32 | (id + 1) & 0xffffffffL;
    }

    private void grow() {
        int capacity = free.length * 2;
        rows = Arrays.copyOf(rows, capacity * ROW);
        free = Arrays.copyOf(free, capacity); // the table is full: no free ids to keep
        long[] bigger = new long[2 * capacity];
        for (long slot : index) {
            if (slot != 0) {
                insert(bigger, slot);
            }
        }
        index = bigger;
    }

    /** Moves every open flow to the lowest ids of arrays of {@code capacity} ids. */
    private void rebuild(int capacity) {
        long[] old = rows;
        int oldHighWater = highWater;
        allocate(capacity);
        for (int from = 0; from < oldHighWater; from++) {
            int ob = from * ROW;
            if (((int) old[ob + META] & USED) == 0) {
                continue;
            }
            int id = highWater++;
            System.arraycopy(old, ob, rows, id * ROW, ROW);
            insert(index, slot(hash(id), id));
            size++;
        }
    }

    private static void insert(long[] ix, long slot) {
        int mask = ix.length - 1;
        int i = (int) (slot >>> 32) & mask;
        while (ix[i] != 0) {
            i = (i + 1) & mask;
        }
        ix[i] = slot;
    }
}
