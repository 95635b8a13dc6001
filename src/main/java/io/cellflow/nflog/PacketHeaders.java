package io.cellflow.nflog;

import io.cellflow.flow.Protocols;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/**
 * The flow key of one logged packet, read from NFLOG's payload copy (which starts at the IP header): addresses,
 * protocol, ports (ICMP: type and code) and the TCP flags byte. Parses what the BPF side parses
 * ({@code bpf/cellflow.bpf.c}), so both backends name the same flow the same way: IPv4 with options, IPv6 with up
 * to {@value #MAX_EXT_HDRS} hop-by-hop, routing, destination-options, AH and fragment headers. Where the BPF side
 * reports port 0 for "no L4 header" (non-first fragments, protocols without ports) this reports -1, the
 * {@link io.cellflow.flow.FlowEvent} spelling of "unknown". Stateless; every read is bounds-checked.
 */
final class PacketHeaders {
    static final int MAX_EXT_HDRS = 4;

    private static final int IPV4_MIN = 20;
    private static final int IPV6_LEN = 40;
    private static final int IP_OFFSET_MASK = 0x1fff;
    private static final int IP6_OFFSET_MASK = 0xfff8;
    private static final int HOPOPTS = 0;
    private static final int ROUTING = 43;
    private static final int FRAGMENT = 44;
    private static final int AH = 51;
    private static final int DSTOPTS = 60;
    /** Bytes of each L4 header we insist on: its fixed part. */
    private static final int TCP_MIN = 20;
    private static final int TCP_FLAGS = 13;
    private static final int UDP_LEN = 8;
    private static final int ICMP_MIN = 4;

    private PacketHeaders() {}

    /** A parsed packet; ports are -1 when the packet has none we could read. */
    record Key(InetAddress src, int srcPort, InetAddress dst, int dstPort, int protocol, int tcpFlags) {}

    /**
     * @param buf the datagram
     * @param from first byte of the payload (the IP header)
     * @param to end of the payload copy (exclusive)
     * @return the key, or {@code null} if the payload is not IPv4/IPv6 or a header we need is cut short
     */
    static Key parse(ByteBuffer buf, int from, int to) {
        if (to - from < 1) {
            return null;
        }
        return switch ((buf.get(from) & 0xf0) >> 4) {
            case 4 -> ipv4(buf, from, to);
            case 6 -> ipv6(buf, from, to);
            default -> null;
        };
    }

    private static Key ipv4(ByteBuffer buf, int at, int to) {
        if (to - at < IPV4_MIN) {
            return null;
        }
        int ihl = (buf.get(at) & 0x0f) * 4;
        if (ihl < IPV4_MIN || ihl > to - at) {
            return null;
        }
        int proto = u8(buf, at + 9);
        InetAddress src = address(buf, at + 12, 4);
        InetAddress dst = address(buf, at + 16, 4);
        if ((be16(buf, at + 6) & IP_OFFSET_MASK) != 0) {
            return new Key(src, -1, dst, -1, proto, 0); // non-first fragment: no L4 header in it
        }
        return l4(buf, at + ihl, to, src, dst, proto);
    }

    private static Key ipv6(ByteBuffer buf, int at, int to) {
        if (to - at < IPV6_LEN) {
            return null;
        }
        InetAddress src = address(buf, at + 8, 16);
        InetAddress dst = address(buf, at + 24, 16);
        int next = u8(buf, at + 6);
        int p = at + IPV6_LEN;
        for (int i = 0; i < MAX_EXT_HDRS; i++) {
            if (next == HOPOPTS || next == ROUTING || next == DSTOPTS || next == AH) {
                if (to - p < 2) {
                    return null;
                }
                int len = next == AH ? (u8(buf, p + 1) + 2) * 4 : (u8(buf, p + 1) + 1) * 8;
                next = u8(buf, p);
                p += len;
            } else if (next == FRAGMENT) {
                if (to - p < 8) {
                    return null;
                }
                next = u8(buf, p);
                if ((be16(buf, p + 2) & IP6_OFFSET_MASK) != 0) {
                    return new Key(src, -1, dst, -1, next, 0);
                }
                p += 8;
            } else {
                break;
            }
        }
        // more extension headers than we follow: like the BPF side, the last one read names the protocol
        return l4(buf, p, to, src, dst, next);
    }

    private static Key l4(ByteBuffer buf, int p, int to, InetAddress src, InetAddress dst, int proto) {
        int have = to - p;
        switch (proto) {
            case Protocols.TCP:
                if (have < TCP_MIN) {
                    return null;
                }
                return new Key(src, be16(buf, p), dst, be16(buf, p + 2), proto, u8(buf, p + TCP_FLAGS));
            case Protocols.UDP:
                if (have < UDP_LEN) {
                    return null;
                }
                return new Key(src, be16(buf, p), dst, be16(buf, p + 2), proto, 0);
            case Protocols.ICMP:
            case Protocols.ICMPV6:
                if (have < ICMP_MIN) {
                    return null;
                }
                return new Key(src, u8(buf, p), dst, u8(buf, p + 1), proto, 0); // type, code
            default:
                return new Key(src, -1, dst, -1, proto, 0);
        }
    }

    private static InetAddress address(ByteBuffer buf, int at, int len) {
        byte[] raw = new byte[len];
        buf.get(at, raw);
        try {
            return InetAddress.getByAddress(raw);
        } catch (UnknownHostException e) {
            throw new AssertionError("4 or 16 bytes is always a valid address", e);
        }
    }

    private static int u8(ByteBuffer buf, int at) {
        return Byte.toUnsignedInt(buf.get(at));
    }

    private static int be16(ByteBuffer buf, int at) {
        return (u8(buf, at) << 8) | u8(buf, at + 1);
    }
}
