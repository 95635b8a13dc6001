package io.cellflow.monitor;

import io.cellflow.flow.Direction;
import io.cellflow.flow.DrainedFlows;
import io.cellflow.flow.FlowKey;
import io.cellflow.flow.FlowRecord;
import java.util.Arrays;

/**
 * The ledger's open flows, in primitive arrays: a flow is an id (a row of {@value #ROW} longs in a page of rows:
 * key, meta with the key's hash, counts, list links), found by its key through an open-addressing index (linear
 * probing, at most half full, backward-shift deletion) whose slots hold the hash next to the id. A lookup compares
 * hashes in the index and touches a row only on a hash match, and a row's fields sit together: with one array per
 * field a lookup and the update after it missed the cache once per field (a table of 500k flows is far bigger
 * than the cache), and that was the drain thread's largest cost. No object per flow: a busy cell holds every flow
 * until its idle timeout (300k flows at 10k new flows/s and 30 s), and as objects they survived young collections
 * and were copied by each one, which made G1's pauses long. The arrays hold no references, so the collector
 * neither copies nor scans them.
 *
 * <p>The close pass must not visit every open flow each drain round (a window after a burst holds a million of
 * them, and few are due). So every flow touched at least once is in one of three lists, linked through its row:
 * a lane per kind of clock that touches it ({@link #SIGHTED}, {@link #DRAINED}), each kept in order of
 * {@link #lastActiveAt}, and the flows that saw FIN or RST ({@link #ENDING}), in no order. A {@link DueScan} walks
 * the ending list whole (a flow there closes at its first quiet round, so it holds only flows active in the last
 * round) and each lane from its oldest flow only while flows are idle: its cost is the flows that close, plus one
 * per list. The lanes are separate because their clocks are: the drain stamps a whole drain with the time it
 * started while sightings during it are stamped later, so one list in touch order would not be in time order.
 * Within a lane the times only grow; a touch with an earlier time than the lane's newest (a clock that went back,
 * a test) is put in its place by walking back from the newest, so the order holds whatever the caller does.
 *
 * <p>Ids are stable while a flow is open, through growth of the table, until {@link #compact()}, which the owner
 * calls when it holds no ids. Not thread-safe: the ledger's lock guards it.
 */
final class OpenFlowTable {
    private static final int MIN_CAPACITY = 64;
    private static final Direction[] DIRECTIONS = Direction.values();
    private static final int USED = 1 << 24;
    private static final int ENDING_FLAG = 1 << 25;
    /** META bits 26-27: the list the flow is in, plus one; 0 for none (added, never touched). */
    private static final int LIST_SHIFT = 26;
    private static final long LIST_BITS = 3L << LIST_SHIFT;

    /** The lane of flows touched with times from sightings (each stamped when it is read). */
    static final int SIGHTED = 0;
    /** The lane of flows touched with times from drains (each drain stamped once, when it starts). */
    static final int DRAINED = 1;
    /** The flows that saw FIN or RST, in no order. */
    static final int ENDING = 2;
    private static final int LISTS = 3;
    /** The order a {@link DueScan} walks the lists in. */
    private static final int[] SCAN_ORDER = {ENDING, SIGHTED, DRAINED};

    // the fields of a row
    private static final int SRC_HI = 0, SRC_LO = 1, DST_HI = 2, DST_LO = 3;
    private static final int PORTS = 4; // srcPort << 32 | dstPort
    private static final int META = 5; // hash << 32 | protocol | direction << 8 | tcpFlags << 16 | USED | ENDING
    private static final int PACKETS = 6, BYTES = 7, LAST_NANOS = 8, LAST_ACTIVE_ROUND = 9, LAST_ACTIVE_AT = 10;
    /** Counted (in PACKETS and BYTES) but not yet reported: a continuation's ring record, see the ledger. */
    private static final int PENDING_PACKETS = 11, PENDING_BYTES = 12;
    /** The previous flow of its list << 32 | the next, each -1 at its end of the list. */
    private static final int LINKS = 13;
    static final int ROW = 14;
    /**
     * Ids per page of rows: 8192 rows are 896 KiB, an ordinary object for G1 (humongous starts at half a region, 1 MiB
     * on a heap of a few GiB). Humongous pages of 7 MiB were never copied, but each one's allocation started a
     * concurrent mark cycle: at 400k new flows/s, one every 160 ms and a fifth of the service's CPU.
     */
    private static final int PAGE_SHIFT = 13;
    private static final int PAGE_IDS = 1 << PAGE_SHIFT;
    private static final int PAGE_MASK = PAGE_IDS - 1;

    /**
     * The rows, a page of {@value #PAGE_IDS} ids each (one smaller page while the capacity is below that), a page
     * allocated when the first of its ids is taken. Growth copies no row: a million-flow table in one array took
     * 100-300 ms to copy and zero, in the poller's sighting, and its ring buffer overflowed meanwhile.
     */
    private long[][] pages;
    /** Ids are below it; the index has twice as many slots. */
    private int capacity;
    /** Free ids below {@link #highWater}, a stack. */
    private int[] free;
    private int freeCount;
    /** Ids at or above it were never used since the last compaction. */
    private int highWater;
    /** Per slot: the flow's hash << 32 | its id + 1, 0 for an empty slot; twice the id capacity. */
    private long[] index;
    private int size;
    /** Per list: its first (oldest) and last flow, -1 when empty. */
    private final int[] heads = new int[LISTS], tails = new int[LISTS];

    OpenFlowTable() {
        allocate(MIN_CAPACITY);
    }

    private void allocate(int capacity) {
        this.capacity = capacity;
        pages = new long[Math.max(1, capacity >>> PAGE_SHIFT)][];
        free = new int[16];
        freeCount = 0;
        highWater = 0;
        index = new long[2 * capacity];
        size = 0;
        Arrays.fill(heads, -1);
        Arrays.fill(tails, -1);
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
        int mask = ix.length - 1;
        for (int i = hash & mask; ; i = (i + 1) & mask) {
            long slot = ix[i];
            if (slot == 0) {
                return -1;
            }
            if ((int) (slot >>> 32) == hash) {
                int id = (int) slot - 1;
                long[] r = page(id);
                int b = at(id);
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
        if (size == capacity) {
            grow(); // before the probe: the empty slot it ends at is where the new flow goes
        }
        long pp = ports(sp, dp);
        int m = proto & 0xff | d.ordinal() << 8;
        long[] ix = index;
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
                long[] r = page(id);
                int b = at(id);
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
                seen += page(id)[at(id) + SRC_LO];
            }
        }
        return seen;
    }

    /** As {@link #warm(DrainedFlows, int, int, int[])}, for sightings {@code records[0..n)}. */
    long warm(FlowRecord[] records, int n, int[] hashes) {
        long[] ix = index;
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
                seen += page(id)[at(id) + SRC_LO];
            }
        }
        return seen;
    }

    private int insertNew(Direction d, int proto, long sh, long sl, int sp, long dh, long dl, int dp, int hash) {
        if (size == capacity) {
            grow();
        }
        int id = newRow(d, proto, sh, sl, sp, dh, dl, dp, hash);
        insert(index, slot(hash, id));
        return id;
    }

    /** Takes an id and writes its row; the caller puts it in the index. */
    private int newRow(Direction d, int proto, long sh, long sl, int sp, long dh, long dl, int dp, int hash) {
        int id = freeCount > 0 ? free[--freeCount] : takeNewId();
        long[] r = page(id);
        int b = at(id);
        r[b + SRC_HI] = sh;
        r[b + SRC_LO] = sl;
        r[b + DST_HI] = dh;
        r[b + DST_LO] = dl;
        r[b + PORTS] = ports(sp, dp);
        r[b + META] = (long) hash << 32 | (proto & 0xff | d.ordinal() << 8 | USED) & 0xffffffffL; // in no list
        r[b + PACKETS] = 0;
        r[b + BYTES] = 0;
        r[b + LAST_NANOS] = 0;
        r[b + LAST_ACTIVE_ROUND] = 0;
        r[b + LAST_ACTIVE_AT] = 0;
        r[b + PENDING_PACKETS] = 0;
        r[b + PENDING_BYTES] = 0;
        r[b + LINKS] = -1L;
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
        unlink(id);
        page(id)[at(id) + META] = 0;
        if (freeCount == free.length) {
            free = Arrays.copyOf(free, 2 * freeCount);
        }
        free[freeCount++] = id;
        size--;
        return true;
    }

    /**
     * Gives back the memory of a burst: when at most an eighth of the ids are open, moves the open flows to the
     * lowest ids of smaller arrays. Every id the caller held is void afterwards.
     */
    void compact() {
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
        return page(id)[at(id) + SRC_HI];
    }

    long srcLo(int id) {
        return page(id)[at(id) + SRC_LO];
    }

    int srcPort(int id) {
        return (int) (page(id)[at(id) + PORTS] >> 32);
    }

    long dstHi(int id) {
        return page(id)[at(id) + DST_HI];
    }

    long dstLo(int id) {
        return page(id)[at(id) + DST_LO];
    }

    int dstPort(int id) {
        return (int) page(id)[at(id) + PORTS];
    }

    long packets(int id) {
        return page(id)[at(id) + PACKETS];
    }

    long bytes(int id) {
        return page(id)[at(id) + BYTES];
    }

    long lastNanos(int id) {
        return page(id)[at(id) + LAST_NANOS];
    }

    int tcpFlags(int id) {
        return meta(id) >>> 16 & 0xff;
    }

    boolean ending(int id) {
        return (meta(id) & ENDING_FLAG) != 0;
    }

    long lastActiveRound(int id) {
        return page(id)[at(id) + LAST_ACTIVE_ROUND];
    }

    long lastActiveAt(int id) {
        return page(id)[at(id) + LAST_ACTIVE_AT];
    }

    /** As {@link #touch(int, long, long, long, int)} in the {@link #SIGHTED} lane. */
    void touch(int id, long lastNanos, long round, long now) {
        touch(id, lastNanos, round, now, SIGHTED);
    }

    /**
     * The flow was active at {@code now} (a time of {@code lane}'s clock), in drain round {@code round};
     * {@code lastNanos} is its last packet so far. Moves it to its place in {@code lane}, the newest end unless
     * {@code now} is earlier than the lane's newest; a flow that saw FIN or RST stays in the ending list.
     */
    void touch(int id, long lastNanos, long round, long now, int lane) {
        long[] r = page(id);
        int b = at(id);
        r[b + LAST_NANOS] = lastNanos;
        r[b + LAST_ACTIVE_ROUND] = round;
        r[b + LAST_ACTIVE_AT] = now;
        if (ending(id)) {
            return; // count() put it in the ending list
        }
        unlink(id);
        int after = tails[lane];
        while (after >= 0 && lastActiveAt(after) > now) {
            after = prev(after);
        }
        linkAfter(id, lane, after);
    }

    /** Adds drained counts: packets, bytes, the last packet's time (the later one wins), TCP flags, ending. */
    void count(int id, long packets, long bytes, long lastNanos, int tcpFlags, boolean ending) {
        long[] r = page(id);
        int b = at(id);
        r[b + PACKETS] += packets;
        r[b + BYTES] += bytes;
        r[b + LAST_NANOS] = Math.max(r[b + LAST_NANOS], lastNanos);
        boolean ends = ending && !ending(id);
        r[b + META] |= ((tcpFlags & 0xff) << 16 | (ending ? ENDING_FLAG : 0)) & 0xffffffffL;
        if (ends) {
            unlink(id);
            linkAfter(id, ENDING, tails[ENDING]);
        }
    }

    /**
     * Adds counted packets and bytes to those not yet reported.
     *
     * @return whether there were none before
     */
    boolean addPending(int id, long packets, long bytes) {
        long[] r = page(id);
        int b = at(id);
        boolean first = r[b + PENDING_PACKETS] == 0 && r[b + PENDING_BYTES] == 0;
        r[b + PENDING_PACKETS] += packets;
        r[b + PENDING_BYTES] += bytes;
        return first;
    }

    long pendingPackets(int id) {
        return page(id)[at(id) + PENDING_PACKETS];
    }

    long pendingBytes(int id) {
        return page(id)[at(id) + PENDING_BYTES];
    }

    /** The pending counts were reported. */
    void clearPending(int id) {
        page(id)[at(id) + PENDING_PACKETS] = 0;
        page(id)[at(id) + PENDING_BYTES] = 0;
    }

    // --- the close pass ---------------------------------------------------------------------------------------

    /**
     * Whether flow {@code id} closes after drain round {@code thisRound}: it saw FIN or RST and then a round
     * without packets (so the final ACKs count), or it has been idle for {@code idleNanos} at {@code now}.
     */
    boolean due(int id, long thisRound, long now, long idleNanos) {
        boolean endedAndQuiet = ending(id) && lastActiveRound(id) < thisRound;
        return endedAndQuiet || now - lastActiveAt(id) >= idleNanos;
    }

    /**
     * One close pass, walked in steps so that its owner can let go of the lock between them: collects the ids
     * of the flows {@link #due} after a round. Valid while only its owner removes flows, compacts or counts (it
     * holds ids); flows added or touched by others meanwhile are later than its {@code now} and not due anyway.
     */
    static final class DueScan {
        private static final int NEXT_LIST = -2;
        private final long thisRound;
        private final long now;
        private final long idleNanos;
        private final int maxOpen;
        private int step; // index into SCAN_ORDER
        private int cursor = NEXT_LIST;
        private int[] due = new int[16];
        private int count;
        /** Per lane, the first flow the due scan left (not idle), where eviction goes on; -1: none. */
        private final int[] evictFrom = {-1, -1};
        /** Flows still to evict, set when the due scan ends; -1 before. */
        private int toEvict = -1;
        private int evicted;

        DueScan(long thisRound, long now, long idleNanos) {
            this(thisRound, now, idleNanos, Integer.MAX_VALUE);
        }

        /**
         * @param maxOpen the most flows that may stay open after the pass: beyond the due ones, the least recently
         *     active flows that the pass's own time finds untouched are picked too, oldest first over both lanes
         *     (flows touched since {@code now} are never picked, so a flow the poller moves to a lane's end while
         *     the pass lets go of the lock is not met twice)
         */
        DueScan(long thisRound, long now, long idleNanos, int maxOpen) {
            this.thisRound = thisRound;
            this.now = now;
            this.idleNanos = idleNanos;
            this.maxOpen = maxOpen;
        }

        boolean finished() {
            return step == SCAN_ORDER.length && toEvict == 0;
        }

        /** Of {@link #count()}, the flows picked because the table held more than {@code maxOpen}. */
        int evicted() {
            return evicted;
        }

        /** The due ids found so far, {@link #count()} of them, in the order found. */
        int[] due() {
            return due;
        }

        /**
         * Once {@link #finished()}: the due ids, {@link #count()} of them, in ascending order, as a scan over every
         * id found them. Touches only this scan, not the table: call it outside the lock (a burst of idle flows
         * closing at once is a long sort).
         */
        int[] sortedDue() {
            Arrays.sort(due, 0, count);
            return due;
        }

        int count() {
            return count;
        }

        private void add(int id) {
            if (count == due.length) {
                due = Arrays.copyOf(due, 2 * count);
            }
            due[count++] = id;
        }
    }

    /** Advances {@code s} by at most {@code budget} visits of flows (and one per list it ends). */
    void scanDue(DueScan s, int budget) {
        for (int visits = 0; visits < budget && !s.finished(); visits++) {
            if (s.step == SCAN_ORDER.length) {
                evictOne(s);
                continue;
            }
            if (s.cursor == DueScan.NEXT_LIST) {
                s.cursor = heads[SCAN_ORDER[s.step]];
            }
            int id = s.cursor;
            if (id < 0) {
                nextList(s);
            } else if (due(id, s.thisRound, s.now, s.idleNanos)) {
                s.add(id);
                s.cursor = next(id);
            } else if (SCAN_ORDER[s.step] == ENDING) {
                s.cursor = next(id);
            } else {
                s.evictFrom[SCAN_ORDER[s.step]] = id;
                nextList(s); // a lane's first flow that is not idle: every later one is newer
            }
        }
    }

    /** One step of eviction: the older of the two lanes' next flows, unless both are done or touched since. */
    private void evictOne(DueScan s) {
        if (s.toEvict < 0) { // the due scan just ended
            s.toEvict = Math.max(0, size - s.count - s.maxOpen);
        }
        if (s.toEvict == 0) {
            return;
        }
        int a = s.evictFrom[SIGHTED], b = s.evictFrom[DRAINED];
        int lane = a < 0 ? DRAINED : b < 0 || lastActiveAt(a) <= lastActiveAt(b) ? SIGHTED : DRAINED;
        int id = s.evictFrom[lane];
        if (id < 0 || lastActiveAt(id) >= s.now) {
            s.evictFrom[lane] = -1;
            if (s.evictFrom[SIGHTED] < 0 && s.evictFrom[DRAINED] < 0) {
                s.toEvict = 0; // nothing older than the pass is left
            }
            return;
        }
        s.add(id);
        s.evicted++;
        s.toEvict--;
        s.evictFrom[lane] = next(id);
    }

    private static void nextList(DueScan s) {
        s.step++;
        s.cursor = DueScan.NEXT_LIST;
    }

    /** The oldest flow of {@code list}, or -1. */
    int first(int list) {
        return heads[list];
    }

    /** The flow after {@code id} in its list, or -1. */
    int next(int id) {
        return (int) page(id)[at(id) + LINKS];
    }

    private int prev(int id) {
        return (int) (page(id)[at(id) + LINKS] >> 32);
    }

    private void setNext(int id, int n) {
        long[] r = page(id);
        int b = at(id) + LINKS;
        r[b] = r[b] & 0xffffffff00000000L | n & 0xffffffffL;
    }

    private void setPrev(int id, int p) {
        long[] r = page(id);
        int b = at(id) + LINKS;
        r[b] = (long) p << 32 | r[b] & 0xffffffffL;
    }

    /** The list flow {@code id} is in, or -1 for none. */
    int listOf(int id) {
        return (int) ((page(id)[at(id) + META] & LIST_BITS) >>> LIST_SHIFT) - 1;
    }

    private void unlink(int id) {
        int list = listOf(id);
        if (list < 0) {
            return;
        }
        int p = prev(id), n = next(id);
        if (p < 0) {
            heads[list] = n;
        } else {
            setNext(p, n);
        }
        if (n < 0) {
            tails[list] = p;
        } else {
            setPrev(n, p);
        }
        page(id)[at(id) + META] &= ~LIST_BITS;
    }

    /** Puts {@code id}, in no list, into {@code list} after {@code after} (-1: first). */
    private void linkAfter(int id, int list, int after) {
        int n = after < 0 ? heads[list] : next(after);
        long[] r = page(id);
        int b = at(id);
        r[b + LINKS] = (long) after << 32 | n & 0xffffffffL;
        if (after < 0) {
            heads[list] = id;
        } else {
            setNext(after, id);
        }
        if (n < 0) {
            tails[list] = id;
        } else {
            setPrev(n, id);
        }
        r[b + META] = r[b + META] & ~LIST_BITS | (long) (list + 1) << LIST_SHIFT;
    }

    // --- storage --------------------------------------------------------------------------------------------

    private int meta(int id) {
        return (int) page(id)[at(id) + META];
    }

    private int hash(int id) {
        return (int) (page(id)[at(id) + META] >>> 32);
    }

    private static long ports(int sp, int dp) {
        return (long) sp << 32 | dp & 0xffffffffL;
    }

    private static long slot(int hash, int id) {
        return (long) hash << 32 | (id + 1) & 0xffffffffL;
    }

    private long[] page(int id) {
        return pages[id >>> PAGE_SHIFT];
    }

    private static int at(int id) {
        return (id & PAGE_MASK) * ROW;
    }

    /** The id above every id taken so far, its page allocated if it is the page's first. */
    private int takeNewId() {
        int id = highWater++;
        if (pages[id >>> PAGE_SHIFT] == null) {
            pages[id >>> PAGE_SHIFT] = new long[Math.min(capacity, PAGE_IDS) * ROW];
        }
        return id;
    }

    /** Doubles the capacity: a bigger first page while it is below a page, else room for more pages. */
    private void grow() {
        capacity *= 2;
        if (capacity <= PAGE_IDS) {
            pages[0] = Arrays.copyOf(pages[0], capacity * ROW);
        } else {
            if (pages[0].length < PAGE_IDS * ROW) {
                pages[0] = Arrays.copyOf(pages[0], PAGE_IDS * ROW);
            }
            pages = Arrays.copyOf(pages, capacity >>> PAGE_SHIFT);
        }
        long[] bigger = new long[2 * capacity];
        for (long slot : index) {
            if (slot != 0) {
                insert(bigger, slot);
            }
        }
        index = bigger;
    }

    /**
     * Moves every open flow to the lowest ids of arrays of {@code capacity} ids, in the order of their ids, and
     * every list keeps its order.
     */
    private void rebuild(int capacity) {
        long[][] old = pages;
        int oldHighWater = highWater;
        int[] newIds = new int[oldHighWater];
        int[] oldHeads = heads.clone();
        allocate(capacity);
        for (int from = 0; from < oldHighWater; from++) {
            long[] op = old[from >>> PAGE_SHIFT];
            int ob = at(from);
            if (((int) op[ob + META] & USED) == 0) {
                continue;
            }
            int id = takeNewId();
            long[] r = page(id);
            int b = at(id);
            System.arraycopy(op, ob, r, b, ROW);
            r[b + META] &= ~LIST_BITS;
            r[b + LINKS] = -1L;
            newIds[from] = id;
            insert(index, slot(hash(id), id));
            size++;
        }
        for (int list = 0; list < LISTS; list++) {
            for (int from = oldHeads[list]; from >= 0; from = (int) old[from >>> PAGE_SHIFT][at(from) + LINKS]) {
                linkAfter(newIds[from], list, tails[list]);
            }
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
