package io.cellflow.flow;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Decodes {@code struct cf_flow_event} records (bpf/cellflow.h) as the kernel wrote them into the ring buffer:
 * counters in host byte order, addresses and ports in network order.
 *
 * <p>Stateless and thread-safe. The buffer's own byte order and position are ignored: every read is absolute and
 * picks its order explicitly, so the same codec reads an mmap'd ring page or a test array. Addresses are read
 * as longs ({@link IpAddr}): decoding a record allocates the {@link FlowEvent} and nothing else.
 */
public final class FlowRecordCodec {
    private static final ByteOrder HOST = ByteOrder.nativeOrder();
    private static final boolean HOST_LE = HOST == ByteOrder.LITTLE_ENDIAN;
    /** The 8 bytes holding ports, protocol, direction, family and TCP flags. */
    static final int PORTS_WORD = FlowAbi.Event.SPORT;
    /** The 8 bytes holding kind, decision, rule ref and ifindex. */
    static final int KIND_WORD = FlowAbi.Event.KIND;

    static {
        // the two words must hold exactly these fields: a layout change has to revisit decodeInto
        check(PORTS_WORD, FlowAbi.Event.SPORT, FlowAbi.Event.DPORT + 1, FlowAbi.Event.PROTO, FlowAbi.Event.DIR,
                FlowAbi.Event.FAMILY, FlowAbi.Event.TCP_FLAGS);
        check(KIND_WORD, FlowAbi.Event.KIND, FlowAbi.Event.DECISION, FlowAbi.Event.RULE_REF + 1,
                FlowAbi.Event.IFINDEX + 3, FlowAbi.Event.SIZE - 1);
    }

    private static void check(int word, int... bytes) {
        for (int at : bytes) {
            if (at < word || at >= word + 8) {
                throw new IllegalStateException("struct cf_flow_event changed: byte " + at + " is not in the word at "
                        + word + "; FlowRecordCodec.decodeInto must follow");
            }
        }
    }

    private FlowRecordCodec() {}

    /**
     * @param buf memory holding the record
     * @param offset where the record starts in {@code buf}
     * @param length the record's length as the ring-buffer header states it
     * @throws MalformedRecordException if the length is not {@link FlowAbi.Event#SIZE} or a field is out of range
     */
    public static FlowEvent decode(ByteBuffer buf, int offset, int length) {
        return decodeInto(buf, offset, length, new FlowRecord()).toEvent();
    }

    /**
     * Decodes a record into {@code r} without allocating: what the poller runs per record. Same checks as
     * {@link #decode}; on a {@link MalformedRecordException} {@code r} holds a mix of old and new fields. The
     * one- and two-byte fields come from two 8-byte reads ({@link #PORTS_WORD}, {@link #KIND_WORD}).
     *
     * @return {@code r}
     */
    public static FlowRecord decodeInto(ByteBuffer buf, int offset, int length, FlowRecord r) {
        if (length != FlowAbi.Event.SIZE) {
            throw new MalformedRecordException("flow record of " + length + " bytes, expected "
                    + FlowAbi.Event.SIZE + " (struct cf_flow_event): the BPF object and this build disagree");
        }
        long a = le64(buf, offset + PORTS_WORD);
        long b = le64(buf, offset + KIND_WORD);
        boolean v6 = v6(byteAt(a, FlowAbi.Event.FAMILY - PORTS_WORD));
        int saddr = offset + FlowAbi.Event.SADDR;
        int daddr = offset + FlowAbi.Event.DADDR;
        r.kind = FlowKind.fromAbi(byteAt(b, FlowAbi.Event.KIND - KIND_WORD)).ordinal();
        r.direction = Direction.fromAbi(byteAt(a, FlowAbi.Event.DIR - PORTS_WORD)).ordinal();
        r.decision = Decision.fromAbi(byteAt(b, FlowAbi.Event.DECISION - KIND_WORD)).ordinal();
        r.srcHi = v6 ? be64(buf, saddr) : 0;
        r.srcLo = v6 ? be64(buf, saddr + 8) : IpAddr.v4Lo(be32(buf, saddr));
        r.srcPort = be16(a, FlowAbi.Event.SPORT - PORTS_WORD);
        r.dstHi = v6 ? be64(buf, daddr) : 0;
        r.dstLo = v6 ? be64(buf, daddr + 8) : IpAddr.v4Lo(be32(buf, daddr));
        r.dstPort = be16(a, FlowAbi.Event.DPORT - PORTS_WORD);
        r.protocol = byteAt(a, FlowAbi.Event.PROTO - PORTS_WORD);
        r.tcpFlags = byteAt(a, FlowAbi.Event.TCP_FLAGS - PORTS_WORD);
        r.packets = u64(buf, offset + FlowAbi.Event.PACKETS);
        r.bytes = u64(buf, offset + FlowAbi.Event.BYTES);
        r.monotonicNanos = u64(buf, offset + FlowAbi.Event.FIRST_NS);
        // host-order fields: in the little-endian word, the bytes as they lie in memory
        int ruleRef = (int) (b >>> (8 * (FlowAbi.Event.RULE_REF - KIND_WORD))) & 0xffff;
        int ifindex = (int) (b >>> (8 * (FlowAbi.Event.IFINDEX - KIND_WORD)));
        r.ruleRef = HOST_LE ? ruleRef : Short.toUnsignedInt(Short.reverseBytes((short) ruleRef));
        r.ifindex = HOST_LE ? ifindex : Integer.reverseBytes(ifindex);
        return r;
    }

    /** Decodes a {@code struct cf_flow_key} (a drained map key). */
    public static FlowKey decodeKey(ByteBuffer buf, int offset) {
        boolean v6 = v6(Byte.toUnsignedInt(buf.get(offset + FlowAbi.Key.FAMILY)));
        int saddr = offset + FlowAbi.Key.SADDR;
        int daddr = offset + FlowAbi.Key.DADDR;
        return new FlowKey(
                Direction.fromAbi(Byte.toUnsignedInt(buf.get(offset + FlowAbi.Key.DIR))),
                Byte.toUnsignedInt(buf.get(offset + FlowAbi.Key.PROTO)),
                v6 ? be64(buf, saddr) : 0,
                v6 ? be64(buf, saddr + 8) : IpAddr.v4Lo(be32(buf, saddr)),
                be16(buf, offset + FlowAbi.Key.SPORT),
                v6 ? be64(buf, daddr) : 0,
                v6 ? be64(buf, daddr + 8) : IpAddr.v4Lo(be32(buf, daddr)),
                be16(buf, offset + FlowAbi.Key.DPORT));
    }

    /** Decodes a {@code struct cf_flow_val} (a drained map value). */
    public static FlowCounters decodeValue(ByteBuffer buf, int offset) {
        return new FlowCounters(
                u64(buf, offset + FlowAbi.Value.PACKETS),
                u64(buf, offset + FlowAbi.Value.BYTES),
                u64(buf, offset + FlowAbi.Value.FIRST_NS),
                u64(buf, offset + FlowAbi.Value.LAST_NS),
                u32(buf, offset + FlowAbi.Value.TCP_FLAGS));
    }

    /** Whether the family is IPv6 (else IPv4). */
    private static boolean v6(int family) {
        return switch (family) {
            case FlowAbi.FAMILY_V4 -> false;
            case FlowAbi.FAMILY_V6 -> true;
            default -> throw new MalformedRecordException("unknown address family " + family);
        };
    }

    /** The 8 bytes at {@code at} as a little-endian long: byte {@code k} is bits {@code 8k..8k+7}. */
    private static long le64(ByteBuffer buf, int at) {
        long v = buf.getLong(at);
        return buf.order() == ByteOrder.LITTLE_ENDIAN ? v : Long.reverseBytes(v);
    }

    private static int byteAt(long le, int k) {
        return (int) (le >>> (8 * k)) & 0xff;
    }

    /** A network-order u16 at byte {@code k} of a little-endian word. */
    private static int be16(long le, int k) {
        return byteAt(le, k) << 8 | byteAt(le, k + 1);
    }

    private static int be16(ByteBuffer buf, int at) {
        short v = buf.getShort(at);
        return Short.toUnsignedInt(buf.order() == ByteOrder.BIG_ENDIAN ? v : Short.reverseBytes(v));
    }

    private static int be32(ByteBuffer buf, int at) {
        int v = buf.getInt(at);
        return buf.order() == ByteOrder.BIG_ENDIAN ? v : Integer.reverseBytes(v);
    }

    private static long be64(ByteBuffer buf, int at) {
        long v = buf.getLong(at);
        return buf.order() == ByteOrder.BIG_ENDIAN ? v : Long.reverseBytes(v);
    }

    private static int u32(ByteBuffer buf, int at) {
        int v = buf.getInt(at);
        return buf.order() == HOST ? v : Integer.reverseBytes(v);
    }

    private static long u64(ByteBuffer buf, int at) {
        long v = buf.getLong(at);
        return buf.order() == HOST ? v : Long.reverseBytes(v);
    }
}
