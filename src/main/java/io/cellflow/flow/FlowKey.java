package io.cellflow.flow;

import java.net.InetAddress;

/**
 * A flow's identity: direction and 5-tuple, as the kernel keys its flow table ({@code struct cf_flow_key}). For
 * ICMP the ports hold type and code. Built from a ring-buffer event or a drained map key, both of which give the
 * same value for the same flow.
 */
public record FlowKey(Direction direction, int protocol, InetAddress src, int srcPort, InetAddress dst, int dstPort) {

    public static FlowKey of(FlowEvent e) {
        return new FlowKey(e.direction(), e.protocol(), e.srcAddr(), e.srcPort(), e.dstAddr(), e.dstPort());
    }
}
