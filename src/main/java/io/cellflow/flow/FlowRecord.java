package io.cellflow.flow;

/**
 * A mutable {@link FlowEvent}: the poller decodes every ring record into one of these
 * ({@link FlowRecordCodec#decodeInto}) and makes a {@link FlowEvent} only of records that become events, so a
 * record of a flow already open costs no allocation. Fields as in {@link FlowEvent}.
 *
 * <p>Not thread-safe: one per poller sink, valid until the next record is decoded into it.
 */
public final class FlowRecord {
    private static final FlowKind[] KINDS = FlowKind.values();
    private static final Direction[] DIRECTIONS = Direction.values();
    private static final Decision[] DECISIONS = Decision.values();

    // enums as ordinals: the poller writes this object per record, and int stores need no GC write barrier
    int kind;
    int direction;
    int decision;
    long srcHi;
    long srcLo;
    int srcPort;
    long dstHi;
    long dstLo;
    int dstPort;
    int protocol;
    int tcpFlags;
    long packets;
    long bytes;
    long monotonicNanos;
    int ifindex;
    int ruleRef;

    /** A record holding {@code e}'s fields (tests, and callers that start from an event). */
    public static FlowRecord of(FlowEvent e) {
        FlowRecord r = new FlowRecord();
        r.kind = e.kind().ordinal();
        r.direction = e.direction().ordinal();
        r.decision = e.decision().ordinal();
        r.srcHi = e.srcHi();
        r.srcLo = e.srcLo();
        r.srcPort = e.srcPort();
        r.dstHi = e.dstHi();
        r.dstLo = e.dstLo();
        r.dstPort = e.dstPort();
        r.protocol = e.protocol();
        r.tcpFlags = e.tcpFlags();
        r.packets = e.packets();
        r.bytes = e.bytes();
        r.monotonicNanos = e.monotonicNanos();
        r.ifindex = e.ifindex();
        r.ruleRef = e.ruleRef();
        return r;
    }

    public FlowEvent toEvent() {
        return new FlowEvent(kind(), direction(), decision(), srcHi, srcLo, srcPort, dstHi, dstLo, dstPort, protocol,
                tcpFlags, packets, bytes, monotonicNanos, ifindex, ruleRef);
    }

    public FlowKind kind() {
        return KINDS[kind];
    }

    public Direction direction() {
        return DIRECTIONS[direction];
    }

    public Decision decision() {
        return DECISIONS[decision];
    }

    public long srcHi() {
        return srcHi;
    }

    public long srcLo() {
        return srcLo;
    }

    public int srcPort() {
        return srcPort;
    }

    public long dstHi() {
        return dstHi;
    }

    public long dstLo() {
        return dstLo;
    }

    public int dstPort() {
        return dstPort;
    }

    public int protocol() {
        return protocol;
    }

    public int tcpFlags() {
        return tcpFlags;
    }

    public long packets() {
        return packets;
    }

    public long bytes() {
        return bytes;
    }

    public long monotonicNanos() {
        return monotonicNanos;
    }
}
