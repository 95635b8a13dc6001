package io.cellflow.flow;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * One drain's flow-table entries, decoded into primitive arrays: a key ({@link FlowKey}'s fields) and counts
 * ({@link FlowCounters}'s) per entry, with no object per entry. A drain of a busy cell yields tens of thousands of
 * entries, and as a key, a counters object and a pair per entry they were most of the drain thread's allocation.
 * Reused drain after drain: {@link #clear()} keeps the arrays (it gives back those of a burst). Not thread-safe.
 */
public final class DrainedFlows {
    private static final int INITIAL = 16;
    private static final Direction[] DIRECTIONS = Direction.values();

    private int size;
    private int[] meta = new int[0]; // protocol | direction << 8 | tcpFlags << 16 (the low byte)
    private long[] srcHi = new long[0];
    private long[] srcLo = new long[0];
    private long[] dstHi = new long[0];
    private long[] dstLo = new long[0];
    private long[] ports = new long[0]; // srcPort << 32 | dstPort
    private long[] packets = new long[0];
    private long[] bytes = new long[0];
    private long[] firstNanos = new long[0];
    private long[] lastNanos = new long[0];
    private long[] recPackets = new long[0];
    private long[] recBytes = new long[0];

    /**
     * Whether a drained {@code struct cf_flow_val} holds no more than its ring record carried: nothing for the
     * drain to report (the record's sighting reports it), so the drain skips it.
     */
    public static boolean coveredByRecord(ByteBuffer values, int valueOffset) {
        return FlowRecordCodec.u64(values, valueOffset + FlowAbi.Value.PACKETS)
                        == FlowRecordCodec.u64(values, valueOffset + FlowAbi.Value.REC_PACKETS)
                && FlowRecordCodec.u64(values, valueOffset + FlowAbi.Value.BYTES)
                        == FlowRecordCodec.u64(values, valueOffset + FlowAbi.Value.REC_BYTES);
    }

    /**
     * Appends a drained {@code struct cf_flow_key} and its {@code struct cf_flow_val}.
     *
     * @throws MalformedRecordException for a key of an unknown family or direction (nothing is appended)
     */
    public void add(ByteBuffer keys, int keyOffset, ByteBuffer values, int valueOffset) {
        Direction d = Direction.fromAbi(Byte.toUnsignedInt(keys.get(keyOffset + FlowAbi.Key.DIR)));
        boolean v6 = FlowRecordCodec.v6(Byte.toUnsignedInt(keys.get(keyOffset + FlowAbi.Key.FAMILY)));
        int saddr = keyOffset + FlowAbi.Key.SADDR;
        int daddr = keyOffset + FlowAbi.Key.DADDR;
        int i = next();
        meta[i] = Byte.toUnsignedInt(keys.get(keyOffset + FlowAbi.Key.PROTO)) | d.ordinal() << 8
                | (FlowRecordCodec.u32(values, valueOffset + FlowAbi.Value.TCP_FLAGS) & 0xff) << 16;
        srcHi[i] = v6 ? FlowRecordCodec.be64(keys, saddr) : 0;
        srcLo[i] = v6 ? FlowRecordCodec.be64(keys, saddr + 8) : IpAddr.v4Lo(FlowRecordCodec.be32(keys, saddr));
        dstHi[i] = v6 ? FlowRecordCodec.be64(keys, daddr) : 0;
        dstLo[i] = v6 ? FlowRecordCodec.be64(keys, daddr + 8) : IpAddr.v4Lo(FlowRecordCodec.be32(keys, daddr));
        ports[i] = ports(FlowRecordCodec.be16(keys, keyOffset + FlowAbi.Key.SPORT),
                FlowRecordCodec.be16(keys, keyOffset + FlowAbi.Key.DPORT));
        packets[i] = FlowRecordCodec.u64(values, valueOffset + FlowAbi.Value.PACKETS);
        bytes[i] = FlowRecordCodec.u64(values, valueOffset + FlowAbi.Value.BYTES);
        firstNanos[i] = FlowRecordCodec.u64(values, valueOffset + FlowAbi.Value.FIRST_NS);
        lastNanos[i] = FlowRecordCodec.u64(values, valueOffset + FlowAbi.Value.LAST_NS);
        recPackets[i] = FlowRecordCodec.u64(values, valueOffset + FlowAbi.Value.REC_PACKETS);
        recBytes[i] = FlowRecordCodec.u64(values, valueOffset + FlowAbi.Value.REC_BYTES);
        size++;
    }

    /** Appends an entry given as objects (tests, callers that have them). */
    public void add(FlowKey k, FlowCounters c) {
        int i = next();
        meta[i] = k.protocol() & 0xff | k.direction().ordinal() << 8 | (c.tcpFlags() & 0xff) << 16;
        srcHi[i] = k.srcHi();
        srcLo[i] = k.srcLo();
        dstHi[i] = k.dstHi();
        dstLo[i] = k.dstLo();
        ports[i] = ports(k.srcPort(), k.dstPort());
        packets[i] = c.packets();
        bytes[i] = c.bytes();
        firstNanos[i] = c.firstNanos();
        lastNanos[i] = c.lastNanos();
        recPackets[i] = c.recPackets();
        recBytes[i] = c.recBytes();
        size++;
    }

    public int size() {
        return size;
    }

    /** Forgets every entry; arrays grown by a burst (more than 8x what this drain needed) are given back. */
    public void clear() {
        if (meta.length > 1024 && meta.length > 8 * size) {
            resize(Math.max(INITIAL, Integer.highestOneBit(Math.max(1, size)) * 2));
        }
        size = 0;
    }

    public Direction direction(int i) {
        return DIRECTIONS[meta[i] >>> 8 & 0xff];
    }

    public int protocol(int i) {
        return meta[i] & 0xff;
    }

    public long srcHi(int i) {
        return srcHi[i];
    }

    public long srcLo(int i) {
        return srcLo[i];
    }

    public int srcPort(int i) {
        return (int) (ports[i] >> 32);
    }

    public long dstHi(int i) {
        return dstHi[i];
    }

    public long dstLo(int i) {
        return dstLo[i];
    }

    public int dstPort(int i) {
        return (int) ports[i];
    }

    public long packets(int i) {
        return packets[i];
    }

    public long bytes(int i) {
        return bytes[i];
    }

    /** Packets of entry {@code i} its ring record did not carry: what the drain reports. */
    public long unreportedPackets(int i) {
        return Math.max(0, packets[i] - recPackets[i]);
    }

    /** Bytes of entry {@code i} its ring record did not carry. */
    public long unreportedBytes(int i) {
        return Math.max(0, bytes[i] - recBytes[i]);
    }

    public long firstNanos(int i) {
        return firstNanos[i];
    }

    public long lastNanos(int i) {
        return lastNanos[i];
    }

    /** The low byte of the flags, as the ledger keeps them (the kernel sets no others). */
    public int tcpFlags(int i) {
        return meta[i] >>> 16 & 0xff;
    }

    /** As {@link FlowCounters#ending()}. */
    public boolean ending(int i) {
        return FlowCounters.ending(tcpFlags(i));
    }

    /** Entry {@code i}'s key as an object (tests, callers that want objects). */
    public FlowKey key(int i) {
        return new FlowKey(direction(i), protocol(i), srcHi(i), srcLo(i), srcPort(i), dstHi(i), dstLo(i), dstPort(i));
    }

    /** Entry {@code i}'s counts as an object (tests, callers that want objects). */
    public FlowCounters counters(int i) {
        return new FlowCounters(packets(i), bytes(i), firstNanos(i), lastNanos(i), tcpFlags(i), recPackets[i],
                recBytes[i]);
    }

    private int next() {
        if (size == meta.length) {
            resize(Math.max(INITIAL, 2 * size)); // empty until the first entry: quiet cells hold no arrays
        }
        return size;
    }

    private void resize(int capacity) {
        meta = Arrays.copyOf(meta, capacity);
        srcHi = Arrays.copyOf(srcHi, capacity);
        srcLo = Arrays.copyOf(srcLo, capacity);
        dstHi = Arrays.copyOf(dstHi, capacity);
        dstLo = Arrays.copyOf(dstLo, capacity);
        ports = Arrays.copyOf(ports, capacity);
        packets = Arrays.copyOf(packets, capacity);
        bytes = Arrays.copyOf(bytes, capacity);
        firstNanos = Arrays.copyOf(firstNanos, capacity);
        lastNanos = Arrays.copyOf(lastNanos, capacity);
        recPackets = Arrays.copyOf(recPackets, capacity);
        recBytes = Arrays.copyOf(recBytes, capacity);
    }

    private static long ports(int sp, int dp) {
        return (long) sp << 32 | dp & 0xffffffffL;
    }
}
