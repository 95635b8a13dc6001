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

    private FlowRecordCodec() {}

    /**
     * @param buf memory holding the record
     * @param offset where the record starts in {@code buf}
     * @param length the record's length as the ring-buffer header states it
     * @throws MalformedRecordException if the length is not {@link FlowAbi.Event#SIZE} or a field is out of range
     */
    public static FlowEvent decode(ByteBuffer buf, int offset, int length) {
        if (length != FlowAbi.Event.SIZE) {
            throw new MalformedRecordException("flow record of " + length + " bytes, expected "
                    + FlowAbi.Event.SIZE + " (struct cf_flow_event): the BPF object and this build disagree");
        }
        int family = Byte.toUnsignedInt(buf.get(offset + FlowAbi.Event.FAMILY));
        boolean v6 = v6(family);
        int saddr = offset + FlowAbi.Event.SADDR;
        int daddr = offset + FlowAbi.Event.DADDR;
        return new FlowEvent(
                FlowKind.fromAbi(Byte.toUnsignedInt(buf.get(offset + FlowAbi.Event.KIND))),
                Direction.fromAbi(Byte.toUnsignedInt(buf.get(offset + FlowAbi.Event.DIR))),
                Decision.fromAbi(Byte.toUnsignedInt(buf.get(offset + FlowAbi.Event.DECISION))),
                v6 ? be64(buf, saddr) : 0,
                v6 ? be64(buf, saddr + 8) : IpAddr.v4Lo(be32(buf, saddr)),
                be16(buf, offset + FlowAbi.Event.SPORT),
                v6 ? be64(buf, daddr) : 0,
                v6 ? be64(buf, daddr + 8) : IpAddr.v4Lo(be32(buf, daddr)),
                be16(buf, offset + FlowAbi.Event.DPORT),
                Byte.toUnsignedInt(buf.get(offset + FlowAbi.Event.PROTO)),
                Byte.toUnsignedInt(buf.get(offset + FlowAbi.Event.TCP_FLAGS)),
                u64(buf, offset + FlowAbi.Event.PACKETS),
                u64(buf, offset + FlowAbi.Event.BYTES),
                u64(buf, offset + FlowAbi.Event.FIRST_NS),
                u32(buf, offset + FlowAbi.Event.IFINDEX),
                u16(buf, offset + FlowAbi.Event.RULE_REF));
    }

    /**
     * Decodes a record into {@code r} without allocating: what the poller runs per record. Same checks as
     * {@link #decode}; on a {@link MalformedRecordException} {@code r} holds a mix of old and new fields.
     *
     * @return {@code r}
     */
    public static FlowRecord decodeInto(ByteBuffer buf, int offset, int length, FlowRecord r) {
        if (length != FlowAbi.Event.SIZE) {
            throw new MalformedRecordException("flow record of " + length + " bytes, expected "
                    + FlowAbi.Event.SIZE + " (struct cf_flow_event): the BPF object and this build disagree");
        }
        boolean v6 = v6(Byte.toUnsignedInt(buf.get(offset + FlowAbi.Event.FAMILY)));
        int saddr = offset + FlowAbi.Event.SADDR;
        int daddr = offset + FlowAbi.Event.DADDR;
        r.kind = FlowKind.fromAbi(Byte.toUnsignedInt(buf.get(offset + FlowAbi.Event.KIND)));
        r.direction = Direction.fromAbi(Byte.toUnsignedInt(buf.get(offset + FlowAbi.Event.DIR)));
        r.decision = Decision.fromAbi(Byte.toUnsignedInt(buf.get(offset + FlowAbi.Event.DECISION)));
        r.srcHi = v6 ? be64(buf, saddr) : 0;
        r.srcLo = v6 ? be64(buf, saddr + 8) : IpAddr.v4Lo(be32(buf, saddr));
        r.srcPort = be16(buf, offset + FlowAbi.Event.SPORT);
        r.dstHi = v6 ? be64(buf, daddr) : 0;
        r.dstLo = v6 ? be64(buf, daddr + 8) : IpAddr.v4Lo(be32(buf, daddr));
        r.dstPort = be16(buf, offset + FlowAbi.Event.DPORT);
        r.protocol = Byte.toUnsignedInt(buf.get(offset + FlowAbi.Event.PROTO));
        r.tcpFlags = Byte.toUnsignedInt(buf.get(offset + FlowAbi.Event.TCP_FLAGS));
        r.packets = u64(buf, offset + FlowAbi.Event.PACKETS);
        r.bytes = u64(buf, offset + FlowAbi.Event.BYTES);
        r.monotonicNanos = u64(buf, offset + FlowAbi.Event.FIRST_NS);
        r.ifindex = u32(buf, offset + FlowAbi.Event.IFINDEX);
        r.ruleRef = u16(buf, offset + FlowAbi.Event.RULE_REF);
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

    private static int u16(ByteBuffer buf, int at) {
        short v = buf.getShort(at);
        return Short.toUnsignedInt(buf.order() == HOST ? v : Short.reverseBytes(v));
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
