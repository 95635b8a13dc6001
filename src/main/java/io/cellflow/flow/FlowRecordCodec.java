package io.cellflow.flow;

import io.cellflow.memory.NativeBytes;
import io.cellflow.memory.NativeMemory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Decodes {@code struct cf_flow_event} records (bpf/cellflow.h) as the kernel wrote them into the ring buffer:
 * counters in host byte order, addresses and ports in network order.
 *
 * <p>Stateless and thread-safe. Ring records are read in place through a {@link NativeBytes} window (the mapped
 * ring, or a test's direct buffer); drained map keys and values from a {@link ByteBuffer}, whose own byte order
 * and position are ignored (every read is absolute and picks its order explicitly). Addresses are read as longs
 * ({@link IpAddr}): decoding a record allocates the {@link FlowEvent} and nothing else.
 */
public final class FlowRecordCodec {
    private static final ByteOrder HOST = ByteOrder.nativeOrder();
    private static final boolean HOST_LE = HOST == ByteOrder.LITTLE_ENDIAN;
    /** The 8 bytes holding ports, protocol, direction, family and TCP flags. */
    static final int PORTS_WORD = FlowAbi.Event.SPORT;
    /** The 8 bytes holding kind, decision, rule ref and ifindex. */
    static final int KIND_WORD = FlowAbi.Event.KIND;

    private static final int OPENED = FlowKind.OPENED.ordinal();
    // byte k of a little-endian word is bits 8k..8k+7
    private static final int DIR_BYTE = FlowAbi.Event.DIR - PORTS_WORD;
    private static final int FAMILY_BYTE = FlowAbi.Event.FAMILY - PORTS_WORD;
    private static final int KIND_BYTE = FlowAbi.Event.KIND - KIND_WORD;
    private static final int DECISION_BYTE = FlowAbi.Event.DECISION - KIND_WORD;
    /**
     * Direction in {0, 1} (bits 1-7 clear) and family in {4, 6} (all bits but bit 1 equal to 4's): one masked
     * compare of the ports word. Bit 1 of the family then tells v6.
     */
    private static final long PORTS_ENUM_MASK = 0xfeL << (8 * DIR_BYTE) | 0xfdL << (8 * FAMILY_BYTE);
    private static final long PORTS_ENUM_VALID = (long) FlowAbi.FAMILY_V4 << (8 * FAMILY_BYTE);
    private static final long PORTS_V6_BIT = 2L << (8 * FAMILY_BYTE);
    /** Kind the one the kernel sends and decision in {0, 1}: one masked compare of the kind word. */
    private static final long KIND_ENUM_MASK = 0xffL << (8 * KIND_BYTE) | 0xfeL << (8 * DECISION_BYTE);
    private static final long KIND_ENUM_VALID = (long) FlowAbi.EVENT_FLOW_NEW << (8 * KIND_BYTE);

    static {
        // decodeInto stores the direction and decision values as ordinals, and knows one kind
        if (Direction.values().length != 2 || Decision.values().length != 2) {
            throw new IllegalStateException("a Direction or Decision was added: decodeInto must follow");
        }
        for (int v = 0; v <= 1; v++) {
            if (Direction.fromAbi(v).ordinal() != v || Decision.fromAbi(v).ordinal() != v) {
                throw new IllegalStateException("Direction/Decision ordinals no longer match the ABI values");
            }
        }
        if ((FlowAbi.FAMILY_V4 ^ FlowAbi.FAMILY_V6) != 2 || (FlowAbi.FAMILY_V4 & 2) != 0) {
            throw new IllegalStateException("address family values changed: the masks of decodeInto must follow");
        }
        if (FlowKind.fromAbi(FlowAbi.EVENT_FLOW_NEW) != FlowKind.OPENED) {
            throw new IllegalStateException("FlowKind.fromAbi changed: decodeInto must follow");
        }
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
     * @param rec the record as the ring buffer holds it
     * @throws MalformedRecordException if its length is not {@link FlowAbi.Event#SIZE} or a field is out of range
     */
    public static FlowEvent decode(NativeBytes rec) {
        return decodeInto(rec, new FlowRecord()).toEvent();
    }

    /**
     * Decodes a record into {@code r} without allocating: what the poller runs per record. Same checks as
     * {@link #decode}; on a {@link MalformedRecordException} {@code r} is unchanged. The length is checked once,
     * then the fields are read in place at their fixed offsets: the three counters, the addresses and two words
     * holding every one- and two-byte field ({@link #PORTS_WORD}, {@link #KIND_WORD}), whose four enumerated
     * fields are validated together by two masked compares before anything is stored.
     *
     * @return {@code r}
     */
    public static FlowRecord decodeInto(NativeBytes rec, FlowRecord r) {
        // kept well under the JIT's inlining limit (FreqInlineSize, 325 bytecodes) so that it inlines into the
        // drain loop: the cold paths and the addresses are methods of their own
        if (rec.length() != FlowAbi.Event.SIZE) {
            throw wrongLength(rec.length());
        }
        long at = rec.address(FlowAbi.Event.SIZE);
        long a = le(NativeMemory.getLong(at + PORTS_WORD));
        long b = le(NativeMemory.getLong(at + KIND_WORD));
        if ((a & PORTS_ENUM_MASK) != PORTS_ENUM_VALID || (b & KIND_ENUM_MASK) != KIND_ENUM_VALID) {
            throw malformed(a, b);
        }
        if ((a & PORTS_V6_BIT) == 0) {
            v4Addresses(at, r);
        } else {
            v6Addresses(at, r);
        }
        r.kind = OPENED;
        r.direction = byteAt(a, DIR_BYTE);
        r.decision = byteAt(b, DECISION_BYTE);
        r.srcPort = be16(a, FlowAbi.Event.SPORT - PORTS_WORD);
        r.dstPort = be16(a, FlowAbi.Event.DPORT - PORTS_WORD);
        r.protocol = byteAt(a, FlowAbi.Event.PROTO - PORTS_WORD);
        r.tcpFlags = byteAt(a, FlowAbi.Event.TCP_FLAGS - PORTS_WORD);
        r.packets = NativeMemory.getLong(at + FlowAbi.Event.PACKETS);
        r.bytes = NativeMemory.getLong(at + FlowAbi.Event.BYTES);
        r.monotonicNanos = NativeMemory.getLong(at + FlowAbi.Event.FIRST_NS);
        // host-order fields: in the little-endian word, the bytes as they lie in memory
        int ruleRef = (int) (b >>> (8 * (FlowAbi.Event.RULE_REF - KIND_WORD))) & 0xffff;
        int ifindex = (int) (b >>> (8 * (FlowAbi.Event.IFINDEX - KIND_WORD)));
        r.ruleRef = HOST_LE ? ruleRef : Short.toUnsignedInt(Short.reverseBytes((short) ruleRef));
        r.ifindex = HOST_LE ? ifindex : Integer.reverseBytes(ifindex);
        return r;
    }

    private static void v4Addresses(long at, FlowRecord r) {
        r.srcHi = 0;
        r.srcLo = IpAddr.v4Lo(be32(at + FlowAbi.Event.SADDR));
        r.dstHi = 0;
        r.dstLo = IpAddr.v4Lo(be32(at + FlowAbi.Event.DADDR));
    }

    private static void v6Addresses(long at, FlowRecord r) {
        r.srcHi = be64(at + FlowAbi.Event.SADDR);
        r.srcLo = be64(at + FlowAbi.Event.SADDR + 8);
        r.dstHi = be64(at + FlowAbi.Event.DADDR);
        r.dstLo = be64(at + FlowAbi.Event.DADDR + 8);
    }

    /** Names the first field of a record that failed the masked compares in {@link #decodeInto}. */
    private static MalformedRecordException malformed(long a, long b) {
        try {
            v6(byteAt(a, FAMILY_BYTE));
            Direction.fromAbi(byteAt(a, DIR_BYTE));
            FlowKind.fromAbi(byteAt(b, KIND_BYTE));
            Decision.fromAbi(byteAt(b, DECISION_BYTE));
        } catch (MalformedRecordException e) {
            return e;
        }
        throw new AssertionError("decodeInto rejected a valid record");
    }

    private static MalformedRecordException wrongLength(int length) {
        return new MalformedRecordException("flow record of " + length + " bytes, expected " + FlowAbi.Event.SIZE
                + " (struct cf_flow_event): the BPF object and this build disagree");
    }

    /** Whether the family is IPv6 (else IPv4). */
    static boolean v6(int family) {
        return switch (family) {
            case FlowAbi.FAMILY_V4 -> false;
            case FlowAbi.FAMILY_V6 -> true;
            default -> throw new MalformedRecordException("unknown address family " + family);
        };
    }

    /** A host-order word as read from memory, as a little-endian long: byte {@code k} is bits {@code 8k..8k+7}. */
    private static long le(long host) {
        return HOST_LE ? host : Long.reverseBytes(host);
    }

    private static int be32(long address) {
        int v = NativeMemory.getInt(address);
        return HOST_LE ? Integer.reverseBytes(v) : v;
    }

    private static long be64(long address) {
        long v = NativeMemory.getLong(address);
        return HOST_LE ? Long.reverseBytes(v) : v;
    }

    private static int byteAt(long le, int k) {
        return (int) (le >>> (8 * k)) & 0xff;
    }

    /** A network-order u16 at byte {@code k} of a little-endian word (a byte swap: one instruction). */
    private static int be16(long le, int k) {
        return Character.reverseBytes((char) (le >>> (8 * k)));
    }

    static int be16(ByteBuffer buf, int at) {
        short v = buf.getShort(at);
        return Short.toUnsignedInt(buf.order() == ByteOrder.BIG_ENDIAN ? v : Short.reverseBytes(v));
    }

    static int be32(ByteBuffer buf, int at) {
        int v = buf.getInt(at);
        return buf.order() == ByteOrder.BIG_ENDIAN ? v : Integer.reverseBytes(v);
    }

    static long be64(ByteBuffer buf, int at) {
        long v = buf.getLong(at);
        return buf.order() == ByteOrder.BIG_ENDIAN ? v : Long.reverseBytes(v);
    }

    static int u32(ByteBuffer buf, int at) {
        int v = buf.getInt(at);
        return buf.order() == HOST ? v : Integer.reverseBytes(v);
    }

    static long u64(ByteBuffer buf, int at) {
        long v = buf.getLong(at);
        return buf.order() == HOST ? v : Long.reverseBytes(v);
    }
}
