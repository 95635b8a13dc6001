package io.cellflow.flow;

/**
 * A flow's identity: direction and 5-tuple, as the kernel keys its flow table ({@code struct cf_flow_key}). For
 * ICMP the ports hold type and code. Addresses as in {@link IpAddr}. Built from a ring-buffer event or a drained
 * map key, both of which give the same value for the same flow.
 */
public record FlowKey(Direction direction, int protocol, long srcHi, long srcLo, int srcPort, long dstHi,
        long dstLo, int dstPort) {

    public static FlowKey of(FlowEvent e) {
        return new FlowKey(e.direction(), e.protocol(), e.srcHi(), e.srcLo(), e.srcPort(), e.dstHi(), e.dstLo(),
                e.dstPort());
    }

    @Override
    public int hashCode() {
        return hash(direction, protocol, srcHi, srcLo, srcPort, dstHi, dstLo, dstPort);
    }

    /** The hash of a flow key given as its fields, for tables that look flows up without a key object. */
    public static int hash(Direction direction, int protocol, long srcHi, long srcLo, int srcPort, long dstHi,
            long dstLo, int dstPort) {
        long h = srcLo * 0x9E3779B97F4A7C15L + dstLo;
        h = h * 0x9E3779B97F4A7C15L + (srcHi ^ Long.rotateLeft(dstHi, 17));
        h = h * 0x9E3779B97F4A7C15L
                + ((((long) srcPort << 16 | dstPort) << 9) | (long) protocol << 1 | direction.ordinal());
        h ^= h >>> 33; // murmur3 fmix64: every input bit reaches the low bits a table indexes with
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        return (int) h;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FlowKey k && srcLo == k.srcLo && dstLo == k.dstLo && srcPort == k.srcPort
                && dstPort == k.dstPort && srcHi == k.srcHi && dstHi == k.dstHi && protocol == k.protocol
                && direction == k.direction;
    }
}
