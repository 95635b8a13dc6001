package io.cellflow.flow;

import java.net.InetAddress;

/**
 * One flow observation, backend-neutral: decoded from a ring-buffer record (eBPF) or an NFLOG message.
 *
 * <p>Addresses are kept as two longs each (see {@link IpAddr}) so decoding a record allocates only this object;
 * {@link #srcAddr()} and {@link #dstAddr()} build an {@link InetAddress} on demand, and {@link IpText} writes the
 * text straight from the longs.
 *
 * @param kind what happened to the flow
 * @param srcHi first eight bytes of the source address, see {@link IpAddr}
 * @param srcLo last eight bytes of the source address (IPv4: {@code ::ffff:a.b.c.d})
 * @param srcPort source port, or ICMP type; -1 when unknown
 * @param dstPort destination port, or ICMP code; -1 when unknown
 * @param protocol IANA protocol number
 * @param packets packets counted so far, or -1 when the backend cannot know
 * @param bytes bytes counted so far, or -1 when the backend cannot know
 * @param monotonicNanos {@code CLOCK_MONOTONIC} time of the flow's first packet
 * @param ruleRef index of the policy rule that decided, 0 when none
 */
public record FlowEvent(
        FlowKind kind,
        Direction direction,
        Decision decision,
        long srcHi,
        long srcLo,
        int srcPort,
        long dstHi,
        long dstLo,
        int dstPort,
        int protocol,
        int tcpFlags,
        long packets,
        long bytes,
        long monotonicNanos,
        int ifindex,
        int ruleRef) {

    /** With addresses as {@link InetAddress}es (the NFLOG decoder, tests). */
    public FlowEvent(FlowKind kind, Direction direction, Decision decision, InetAddress srcAddr, int srcPort,
            InetAddress dstAddr, int dstPort, int protocol, int tcpFlags, long packets, long bytes,
            long monotonicNanos, int ifindex, int ruleRef) {
        this(kind, direction, decision, IpAddr.hi(srcAddr), IpAddr.lo(srcAddr), srcPort, IpAddr.hi(dstAddr),
                IpAddr.lo(dstAddr), dstPort, protocol, tcpFlags, packets, bytes, monotonicNanos, ifindex, ruleRef);
    }

    /** The source address (allocates). */
    public InetAddress srcAddr() {
        return IpAddr.toInet(srcHi, srcLo);
    }

    /** The destination address (allocates). */
    public InetAddress dstAddr() {
        return IpAddr.toInet(dstHi, dstLo);
    }
}
