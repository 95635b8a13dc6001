package io.cellflow.bpf;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.util.Arrays;

/**
 * Builds an Ethernet frame header by header, the way a sender lays it out: lengths (IPv4 total length, IPv6
 * payload length, UDP length) and checksums (IPv4 header; TCP, UDP and ICMPv6 over their pseudo-header, ICMP
 * over its message) are filled in by {@link #build()}. The program under test checks none of them, but a frame it
 * would never see on a wire proves less. {@link #padTo} adds Ethernet padding after the IP packet, as a NIC does
 * for short frames.
 */
final class TestPacket {
    static final int ETH_P_IP = 0x0800;
    static final int ETH_P_IPV6 = 0x86dd;
    static final int ETH_P_ARP = 0x0806;
    static final int ETH_P_8021Q = 0x8100;
    static final int ETH_P_8021AD = 0x88a8;
    static final int HOPOPTS = 0;
    static final int TCP = 6;
    static final int UDP = 17;
    static final int ROUTING = 43;
    static final int FRAGMENT = 44;
    static final int AH = 51;
    static final int ICMP = 1;
    static final int ICMPV6 = 58;
    static final int NO_NEXT = 59;
    static final int DSTOPTS = 60;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private int l3 = -1;
    private boolean v6;
    private int l4 = -1;
    private int l4Proto;
    private int padTo;

    private TestPacket() {}

    /** dst 02:00:00:00:00:02, src 02:00:00:00:00:01 (locally administered) */
    static TestPacket ethernet(int etherType) {
        TestPacket p = new TestPacket();
        p.bytes(2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1);
        p.be16(etherType);
        return p;
    }

    /** an 802.1Q/802.1ad tag after the Ethernet header (whose type names the TPID) */
    TestPacket vlan(int vid, int innerType) {
        be16(vid & 0xfff);
        be16(innerType);
        return this;
    }

    TestPacket ipv4(int proto, String src, String dst) {
        return ipv4(proto, src, dst, 0, 0);
    }

    /** optionWords: 32-bit words of options (NOPs ending in EOL); fragField: flags and offset, host order */
    TestPacket ipv4(int proto, String src, String dst, int optionWords, int fragField) {
        l3 = out.size();
        v6 = false;
        int ihl = 5 + optionWords;
        bytes(0x40 | (ihl & 0xf), 0);
        be16(0); // total length: build()
        be16(0x1234); // id
        be16(fragField);
        bytes(64, proto);
        be16(0); // checksum: build()
        out.writeBytes(addr(src, 4));
        out.writeBytes(addr(dst, 4));
        for (int i = 0; i < optionWords * 4; i++) {
            out.write(i == optionWords * 4 - 1 ? 0 : 1); // NOP ... EOL
        }
        l4Proto = proto;
        return this;
    }

    /** an IPv4 header of only ihl words: a malformed header length */
    TestPacket ipv4Ihl(int ihl, int proto, String src, String dst) {
        ipv4(proto, src, dst);
        byte[] b = out.toByteArray();
        b[l3] = (byte) (0x40 | ihl);
        out.reset();
        out.writeBytes(b);
        return this;
    }

    TestPacket ipv6(int nextHeader, String src, String dst) {
        l3 = out.size();
        v6 = true;
        bytes(0x60, 0, 0, 0);
        be16(0); // payload length: build()
        bytes(nextHeader, 64);
        out.writeBytes(addr(src, 16));
        out.writeBytes(addr(dst, 16));
        l4Proto = nextHeader;
        return this;
    }

    /** hop-by-hop, routing or destination options: (lenField + 1) * 8 bytes, the options PadN */
    TestPacket ext6(int nextHeader, int lenField) {
        int n = (lenField + 1) * 8;
        bytes(nextHeader, lenField, 1, n - 4); // PadN over the rest
        zeros(n - 4);
        l4Proto = nextHeader;
        return this;
    }

    /** authentication header: (lenField + 2) * 4 bytes */
    TestPacket ah6(int nextHeader, int lenField) {
        int n = (lenField + 2) * 4;
        bytes(nextHeader, lenField, 0, 0);
        bytes(0, 0, 0x10, 0x01); // SPI
        zeros(n - 8); // sequence number, ICV
        l4Proto = nextHeader;
        return this;
    }

    /** offsetUnits: fragment offset in 8-byte units; more: the M flag */
    TestPacket frag6(int nextHeader, int offsetUnits, boolean more) {
        bytes(nextHeader, 0);
        be16(offsetUnits << 3 | (more ? 1 : 0));
        bytes(0, 0, 0xab, 0xcd); // identification
        l4Proto = nextHeader;
        return this;
    }

    TestPacket udp(int sport, int dport) {
        l4 = out.size();
        be16(sport);
        be16(dport);
        be16(0); // length: build()
        be16(0); // checksum: build()
        return this;
    }

    TestPacket tcp(int sport, int dport, int flags) {
        l4 = out.size();
        be16(sport);
        be16(dport);
        bytes(0, 0, 0x10, 0); // seq
        bytes(0, 0, 0, 0); // ack
        bytes(0x50, flags);
        be16(64240); // window
        be16(0); // checksum: build()
        be16(0); // urgent
        return this;
    }

    /** ICMP or ICMPv6 (by the IP version): type, code, checksum, 4 bytes of rest (echo id/seq) */
    TestPacket icmp(int type, int code) {
        l4 = out.size();
        bytes(type, code, 0, 0, 0, 1, 0, 1);
        return this;
    }

    TestPacket payload(int n) {
        for (int i = 0; i < n; i++) {
            out.write('a' + i % 26);
        }
        return this;
    }

    TestPacket zeros(int n) {
        out.writeBytes(new byte[n]);
        return this;
    }

    /** Ethernet padding up to n bytes after the IP packet: not counted in the IP lengths */
    TestPacket padTo(int n) {
        padTo = n;
        return this;
    }

    byte[] build() {
        byte[] b = out.toByteArray();
        if (l3 >= 0 && !v6) {
            int ihl = (b[l3] & 0xf) * 4;
            put16(b, l3 + 2, b.length - l3);
            if (ihl >= 20 && l3 + ihl <= b.length) {
                put16(b, l3 + 10, fold(sum(b, l3, ihl, 0)));
            }
        } else if (l3 >= 0) {
            put16(b, l3 + 4, b.length - l3 - 40);
        }
        if (l4 >= 0) {
            int len = b.length - l4;
            int pseudo = 0;
            if (l4Proto != ICMP) {
                int addrLen = v6 ? 16 : 4;
                int srcAt = l3 + (v6 ? 8 : 12);
                pseudo = sum(b, srcAt, 2 * addrLen, 0) + l4Proto + len; // src, dst, proto, upper-layer length
            }
            if (l4Proto == UDP) {
                put16(b, l4 + 4, len);
                put16(b, l4 + 6, nonZero(fold(sum(b, l4, len, pseudo))));
            } else if (l4Proto == TCP) {
                put16(b, l4 + 16, fold(sum(b, l4, len, pseudo)));
            } else if (l4Proto == ICMP || l4Proto == ICMPV6) {
                put16(b, l4 + 2, fold(sum(b, l4, len, pseudo)));
            }
        }
        return b.length < padTo ? Arrays.copyOf(b, padTo) : b;
    }

    private static int sum(byte[] b, int from, int len, int start) {
        long s = start;
        for (int i = 0; i < len; i += 2) {
            s += (b[from + i] & 0xff) << 8 | (i + 1 < len ? b[from + i + 1] & 0xff : 0);
        }
        while (s >>> 16 != 0) {
            s = (s & 0xffff) + (s >>> 16);
        }
        return (int) s;
    }

    private static int fold(int s) {
        return ~s & 0xffff;
    }

    /** UDP: a computed 0 is sent as 0xffff (0 means "no checksum") */
    private static int nonZero(int c) {
        return c == 0 ? 0xffff : c;
    }

    private static void put16(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 8);
        b[at + 1] = (byte) v;
    }

    private void be16(int v) {
        out.write(v >>> 8);
        out.write(v);
    }

    private void bytes(int... v) {
        for (int x : v) {
            out.write(x);
        }
    }

    static byte[] addr(String literal, int len) {
        try {
            byte[] a = InetAddress.getByName(literal).getAddress();
            if (a.length != len) {
                throw new IllegalArgumentException(literal + " is not " + len + " bytes");
            }
            return a;
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }
}
