package io.cellflow.flow;

import java.net.InetAddress;

/**
 * One flow observation, backend-neutral: decoded from a ring-buffer record (eBPF) or an NFLOG message.
 *
 * @param kind what happened to the flow
 * @param monotonicNanos {@code CLOCK_MONOTONIC} time of the flow's first packet
 * @param protocol IANA protocol number
 * @param srcPort source port, or ICMP type; -1 when unknown
 * @param dstPort destination port, or ICMP code; -1 when unknown
 * @param packets packets counted so far, or -1 when the backend cannot know
 * @param bytes bytes counted so far, or -1 when the backend cannot know
 * @param ruleRef index of the policy rule that decided, 0 when none
 */
public record FlowEvent(
        FlowKind kind,
        Direction direction,
        Decision decision,
        InetAddress srcAddr,
        int srcPort,
        InetAddress dstAddr,
        int dstPort,
        int protocol,
        int tcpFlags,
        long packets,
        long bytes,
        long monotonicNanos,
        int ifindex,
        int ruleRef) {}
