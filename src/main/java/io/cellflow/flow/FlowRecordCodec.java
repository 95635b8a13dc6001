package io.cellflow.flow;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Decodes {@code struct cf_flow_event} records (bpf/cellflow.h) as the kernel wrote them into the ring buffer:
 * counters in host byte order, addresses and ports in network order.
 *
 * <p>Stateless and thread-safe. The buffer's own byte order and position are ignored: every read is absolute and
 * picks its order explicitly, so the same codec reads an mmap'd ring page or a test array.
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
        int protocol = Byte.toUnsignedInt(buf.get(offset + FlowAbi.Event.PROTO));
        int sport = be16(buf, offset + FlowAbi.Event.SPORT);
        int dport = be16(buf, offset + FlowAbi.Event.DPORT);
        return new FlowEvent(
                FlowKind.fromAbi(Byte.toUnsignedInt(buf.get(offset + FlowAbi.Event.KIND))),
                Direction.fromAbi(Byte.toUnsignedInt(buf.get(offset + FlowAbi.Event.DIR))),
                Decision.fromAbi(Byte.toUnsignedInt(buf.get(offset + FlowAbi.Event.DECISION))),
                address(buf, offset + FlowAbi.Event.SADDR, family),
                sport,
                address(buf, offset + FlowAbi.Event.DADDR, family),
                dport,
                protocol,
                Byte.toUnsignedInt(buf.get(offset + FlowAbi.Event.TCP_FLAGS)),
                u64(buf, offset + FlowAbi.Event.PACKETS),
                u64(buf, offset + FlowAbi.Event.BYTES),
                u64(buf, offset + FlowAbi.Event.FIRST_NS),
                u32(buf, offset + FlowAbi.Event.IFINDEX),
                u16(buf, offset + FlowAbi.Event.RULE_REF));
    }

    /** Decodes a {@code struct cf_flow_key} (a drained map key). */
    public static FlowKey decodeKey(ByteBuffer buf, int offset) {
        int family = Byte.toUnsignedInt(buf.get(offset + FlowAbi.Key.FAMILY));
        return new FlowKey(
                Direction.fromAbi(Byte.toUnsignedInt(buf.get(offset + FlowAbi.Key.DIR))),
                Byte.toUnsignedInt(buf.get(offset + FlowAbi.Key.PROTO)),
                address(buf, offset + FlowAbi.Key.SADDR, family),
                be16(buf, offset + FlowAbi.Key.SPORT),
                address(buf, offset + FlowAbi.Key.DADDR, family),
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

    private static InetAddress address(ByteBuffer buf, int at, int family) {
        int len = switch (family) {
            case FlowAbi.FAMILY_V4 -> 4;
            case FlowAbi.FAMILY_V6 -> 16;
            default -> throw new MalformedRecordException("unknown address family " + family);
        };
        byte[] raw = new byte[len];
        buf.get(at, raw);
        try {
            return InetAddress.getByAddress(raw);
        } catch (UnknownHostException e) {
            throw new AssertionError("4 or 16 bytes is always a valid address", e);
        }
    }

    private static int be16(ByteBuffer buf, int at) {
        return (Byte.toUnsignedInt(buf.get(at)) << 8) | Byte.toUnsignedInt(buf.get(at + 1));
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
