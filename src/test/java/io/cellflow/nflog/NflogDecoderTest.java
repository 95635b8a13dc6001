package io.cellflow.nflog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cellflow.flow.Decision;
import io.cellflow.flow.Direction;
import io.cellflow.flow.FlowEvent;
import io.cellflow.flow.FlowKind;
import io.cellflow.flow.Protocols;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The decoder against real NFLOG datagrams, captured on Linux 6.18 (x86-64) from the ruleset {@link NflogRuleset}
 * renders (group 4242, interface ifindex 2, copy range 256), and against every way such a datagram can be cut or
 * corrupted.
 */
class NflogDecoderTest {
    private static final long NOW = 123_456_789L;

    /** 198.18.250.1:40001 → 198.18.250.2:7001 UDP "ping", logged at output ("cf:egress:"). */
    static final String V4_UDP_EGRESS =
            "680000000004000000000000000000000200109208000100080003000f000a0063663a6567726573733a000008000500"
            + "0000000208000b000000000008000e000000000024000900450000209d62400040111d41c612fa01c612fa029c411b59"
            + "000c804770696e67";

    /** [2001:2:0:fa::2]:40002 → [2001:2:0:fa::1]:7002 TCP SYN, logged at input ("cf:ingress:"). */
    static final String V6_TCP_SYN_INGRESS =
            "d00000000004000000000000000000000a0010920800010086dd010010000a0063663a696e67726573733a0008000400"
            + "000000021000080000060000f2508c3afaf1000006000f000001000006001100000e0000120010009a5ceee3dfeaf250"
            + "8c3afaf186dd000014000300000000006b023f5a00000000000b5cb35400090060093c690028064020010002000000fa"
            + "000000000000000220010002000000fa00000000000000019c421b5a3e7ecd0b00000000a002fd20422b0000020405a0"
            + "0402080af586cd16000000000103030a";

    /** 198.18.250.1 → 198.18.250.2 ICMP echo request (type 8, code 0), egress. */
    static final String V4_ICMP_EGRESS =
            "9c0000000004000000000000000000000200109208000100080003000f000a0063663a6567726573733a000008000500"
            + "0000000208000b000000000008000e00000000005800090045000054715140004001492ec612fa01c612fa020800090a"
            + "067600015b3f026b00000000cc01000000000000101112131415161718191a1b1c1d1e1f202122232425262728292a2b"
            + "2c2d2e2f3031323334353637";

    /**
     * One datagram, three packets batched by the kernel (UDP from ports 40011, 40012, 40013 to port 9, egress),
     * closed by NLMSG_DONE.
     */
    static final String V4_UDP_BATCH =
            "680000000004000000000000000000000200109208000100080003000f000a0063663a6567726573733a000008000500"
            + "0000000208000b000000000008000e0000000000210009004500001d070140004011b3a5c612fa01c612fa029c4b0009"
            + "0009804478000000680000000004000000000000000000000200109208000100080003000f000a0063663a6567726573"
            + "733a0000080005000000000208000b000000000008000e0000000000210009004500001d070240004011b3a4c612fa01"
            + "c612fa029c4c00090009804478000000680000000004000000000000000000000200109208000100080003000f000a00"
            + "63663a6567726573733a0000080005000000000208000b000000000008000e0000000000210009004500001d07034000"
            + "4011b3a3c612fa01c612fa029c4d000900098044780000001400000003000000000000000000000000001092";

    private static final List<String> GOLDEN = List.of(V4_UDP_EGRESS, V6_TCP_SYN_INGRESS, V4_ICMP_EGRESS, V4_UDP_BATCH);

    @BeforeAll
    static void hostOrder() {
        Assumptions.assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN,
                "golden datagrams were captured on a little-endian host (netlink headers are in host order)");
    }

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s);
    }

    private static List<FlowEvent> decode(NflogDecoder d, byte[] datagram) {
        return d.decode(ByteBuffer.wrap(datagram), NOW);
    }

    private static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    @Test
    void ipv4UdpEgress() throws Exception {
        NflogDecoder d = new NflogDecoder();
        assertEquals(List.of(new FlowEvent(FlowKind.OPENED, Direction.EGRESS, Decision.ALLOW, ip("198.18.250.1"),
                40001, ip("198.18.250.2"), 7001, Protocols.UDP, 0, -1, -1, NOW, 2, 0)), decode(d, hex(V4_UDP_EGRESS)));
        assertEquals(0, d.malformed());
    }

    @Test
    void ipv6TcpSynIngress() throws Exception {
        NflogDecoder d = new NflogDecoder();
        assertEquals(List.of(new FlowEvent(FlowKind.OPENED, Direction.INGRESS, Decision.ALLOW, ip("2001:2:0:fa::2"),
                40002, ip("2001:2:0:fa::1"), 7002, Protocols.TCP, 0x02, -1, -1, NOW, 2, 0)),
                decode(d, hex(V6_TCP_SYN_INGRESS)));
        assertEquals(0, d.malformed());
    }

    @Test
    void icmpCarriesTypeAndCodeInThePorts() throws Exception {
        NflogDecoder d = new NflogDecoder();
        assertEquals(List.of(new FlowEvent(FlowKind.OPENED, Direction.EGRESS, Decision.ALLOW, ip("198.18.250.1"), 8,
                ip("198.18.250.2"), 0, Protocols.ICMP, 0, -1, -1, NOW, 2, 0)), decode(d, hex(V4_ICMP_EGRESS)));
        assertEquals(0, d.malformed());
    }

    @Test
    void batchedMessagesInOneDatagramAndTheDoneMessage() {
        NflogDecoder d = new NflogDecoder();
        List<FlowEvent> events = decode(d, hex(V4_UDP_BATCH));
        assertEquals(List.of(40011, 40012, 40013), events.stream().map(FlowEvent::srcPort).toList());
        assertTrue(events.stream().allMatch(e -> e.dstPort() == 9 && e.direction() == Direction.EGRESS));
        assertEquals(0, d.malformed());
    }

    @Test
    void decodesBetweenPositionAndLimitOnly() {
        byte[] one = hex(V4_UDP_EGRESS);
        byte[] padded = new byte[one.length + 10];
        System.arraycopy(one, 0, padded, 5, one.length);
        NflogDecoder d = new NflogDecoder();
        ByteBuffer b = ByteBuffer.wrap(padded, 5, one.length);
        assertEquals(1, d.decode(b, NOW).size());
        assertEquals(5, b.position(), "position untouched");
        assertEquals(0, d.malformed());
    }

    /** Every prefix of every golden datagram: never throws, never invents an event, counts what it skipped. */
    @Test
    void datagramCutAtEveryOffset() {
        for (String g : GOLDEN) {
            byte[] full = hex(g);
            List<Integer> ends = messageEnds(full);
            for (int cut = 0; cut < full.length; cut++) {
                NflogDecoder d = new NflogDecoder();
                int whole = cut;
                long complete = ends.stream().filter(e -> e <= whole).count();
                List<FlowEvent> events = decode(d, Arrays.copyOf(full, cut));
                long packetsBefore = Math.min(complete, packetCount(full));
                assertEquals(packetsBefore, events.size(), "cut at " + cut);
                boolean atBoundary = cut == 0 || ends.contains(cut);
                assertEquals(atBoundary ? 0 : 1, d.malformed(), "cut at " + cut);
            }
        }
    }

    /**
     * Every message cut short with its header's length adjusted to match, so the cut lands inside the attributes
     * or the payload: no event, and exactly one count (malformed, or foreign when the prefix is what got cut).
     */
    @Test
    void messageCutAtEveryOffsetWithConsistentHeader() {
        for (String g : List.of(V4_UDP_EGRESS, V6_TCP_SYN_INGRESS, V4_ICMP_EGRESS)) {
            byte[] full = hex(g);
            for (int cut = NflogAbi.NLMSG_HDRLEN; cut < full.length; cut++) {
                byte[] m = Arrays.copyOf(full, cut);
                ByteBuffer.wrap(m).order(ByteOrder.nativeOrder()).putInt(0, cut);
                NflogDecoder d = new NflogDecoder();
                int c = cut;
                assertTimeoutPreemptively(Duration.ofSeconds(1), () -> assertEquals(0, decode(d, m).size(),
                        "cut at " + c));
                assertEquals(1, d.malformed() + d.foreignPrefix(), "cut at " + cut);
            }
        }
    }

    /** Random bytes, many shaped like packet messages: never throws, always ends (one bound for the lot). */
    @Test
    void garbageNeverThrows() {
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            Random r = new Random(42);
            for (int i = 0; i < 20_000; i++) {
                byte[] g = new byte[r.nextInt(400)];
                r.nextBytes(g);
                if (g.length >= 6 && r.nextBoolean()) {
                    ByteBuffer.wrap(g).order(ByteOrder.nativeOrder())
                            .putInt(0, Math.min(g.length, 16 + r.nextInt(384)))
                            .putShort(4, (short) NflogAbi.MSG_PACKET);
                }
                new NflogDecoder().decode(ByteBuffer.wrap(g), NOW);
            }
        });
    }

    /** Each byte of each golden datagram set to 0x00, 0x01, 0x80 and 0xff in turn. */
    @Test
    void everyByteCorruptedNeverThrows() {
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            for (String g : GOLDEN) {
                byte[] full = hex(g);
                for (int i = 0; i < full.length; i++) {
                    for (int v : new int[] {0x00, 0x01, 0x80, 0xff}) {
                        byte[] m = full.clone();
                        m[i] = (byte) v;
                        new NflogDecoder().decode(ByteBuffer.wrap(m), NOW);
                    }
                }
            }
        });
    }

    @Test
    void zeroLengthNetlinkMessageStopsTheDatagram() {
        byte[] m = new byte[64]; // nlmsg_len 0 everywhere
        NflogDecoder d = new NflogDecoder();
        assertTimeoutPreemptively(Duration.ofSeconds(1), () -> assertEquals(0, decode(d, m).size()));
        assertEquals(1, d.malformed());
    }

    @Test
    void zeroLengthAttributeStopsTheMessage() {
        byte[] m = Msg.packet().attr(NflogAbi.NFULA_PREFIX, cstr(NflogAbi.PREFIX_EGRESS)).raw(new byte[4])
                .attr(NflogAbi.NFULA_PAYLOAD, hexPayload(V4_UDP_EGRESS)).build();
        NflogDecoder d = new NflogDecoder();
        assertTimeoutPreemptively(Duration.ofSeconds(1), () -> assertEquals(0, decode(d, m).size()));
        assertEquals(1, d.malformed());
    }

    @Test
    void denyPrefixIsAnEgressDenyWithItsRuleRef() throws Exception {
        byte[] outdev = {0, 0, 0, 2};
        NflogDecoder d = new NflogDecoder();
        for (int ref : new int[] {0, 1, 256}) {
            byte[] m = Msg.packet().attr(NflogAbi.NFULA_PREFIX, ("cf:deny:" + ref + ":\0").getBytes(StandardCharsets.US_ASCII))
                    .attr(NflogAbi.NFULA_IFINDEX_OUTDEV, outdev)
                    .attr(NflogAbi.NFULA_PAYLOAD, hexPayload(V4_UDP_EGRESS)).build();
            assertEquals(List.of(new FlowEvent(FlowKind.OPENED, Direction.EGRESS, Decision.DENY, ip("198.18.250.1"),
                    40001, ip("198.18.250.2"), 7001, Protocols.UDP, 0, -1, -1, NOW, 2, ref)), decode(d, m));
        }
        assertEquals(0, d.foreignPrefix());
        for (String bad : new String[] {"cf:deny:", "cf:deny::", "cf:deny:01:", "cf:deny:-1:", "cf:deny:65536:",
            "cf:deny:1", "cf:deny:1x:", "cf:deny:123456:"}) {
            byte[] m = Msg.packet().attr(NflogAbi.NFULA_PREFIX, (bad + "\0").getBytes(StandardCharsets.US_ASCII))
                    .attr(NflogAbi.NFULA_PAYLOAD, hexPayload(V4_UDP_EGRESS)).build();
            assertEquals(List.of(), decode(d, m), bad);
        }
        assertEquals(8, d.foreignPrefix(), "a malformed deny prefix is not ours");
    }

    @Test
    void foreignPrefixIsSkippedAndCounted() {
        byte[] m = hex(V4_UDP_EGRESS);
        int at = indexOf(m, NflogAbi.PREFIX_EGRESS.getBytes(StandardCharsets.US_ASCII));
        m[at] = 'x';
        NflogDecoder d = new NflogDecoder();
        assertEquals(0, decode(d, m).size());
        assertEquals(1, d.foreignPrefix());
        assertEquals(0, d.malformed());

        byte[] none = Msg.packet().attr(NflogAbi.NFULA_PAYLOAD, hexPayload(V4_UDP_EGRESS)).build();
        assertEquals(0, decode(d, none).size());
        assertEquals(2, d.foreignPrefix(), "no prefix at all is not ours either");
    }

    @Test
    void otherMessageTypesAreSkipped() {
        byte[] error = Msg.of(NflogAbi.NLMSG_ERROR).raw(new byte[20]).build();
        byte[] config = Msg.of(NflogAbi.MSG_CONFIG).attr(NflogAbi.NFULA_CFG_CMD, new byte[] {1}).build();
        byte[] packet = hex(V4_UDP_EGRESS);
        ByteBuffer all = ByteBuffer.allocate(error.length + config.length + packet.length);
        all.put(error).put(config).put(packet).flip();
        NflogDecoder d = new NflogDecoder();
        assertEquals(1, d.decode(all, NOW).size());
        assertEquals(0, d.malformed());
    }

    @Test
    void attributeTypeFlagsAreMasked() {
        byte[] m = Msg.packet().attr(NflogAbi.NFULA_PREFIX | NflogAbi.NLA_F_NET_BYTEORDER, cstr("cf:ingress:"))
                .attr(NflogAbi.NFULA_IFINDEX_INDEV | NflogAbi.NLA_F_NET_BYTEORDER, new byte[] {0, 0, 0, 7})
                .attr(NflogAbi.NFULA_PAYLOAD, hexPayload(V4_UDP_EGRESS)).build();
        List<FlowEvent> e = decode(new NflogDecoder(), m);
        assertEquals(1, e.size());
        assertEquals(Direction.INGRESS, e.get(0).direction());
        assertEquals(7, e.get(0).ifindex());
    }

    @Test
    void ipv4NonFirstFragmentHasNoPorts() {
        byte[] ip = hexPayload(V4_UDP_EGRESS);
        ip[6] = 0x00;
        ip[7] = 0x10; // fragment offset 16 (x8 bytes)
        FlowEvent e = decode(new NflogDecoder(), egress(ip)).get(0);
        assertEquals(Protocols.UDP, e.protocol());
        assertEquals(-1, e.srcPort());
        assertEquals(-1, e.dstPort());
    }

    @Test
    void ipv4OptionsAreSkippedViaIhl() {
        byte[] ip = hexPayload(V4_UDP_EGRESS);
        byte[] withOpts = new byte[ip.length + 4];
        System.arraycopy(ip, 0, withOpts, 0, 20);
        System.arraycopy(ip, 20, withOpts, 24, ip.length - 20); // one 4-byte option (zeros: end of list)
        withOpts[0] = 0x46;
        FlowEvent e = decode(new NflogDecoder(), egress(withOpts)).get(0);
        assertEquals(40001, e.srcPort());
        assertEquals(7001, e.dstPort());
    }

    @Test
    void ipv6ExtensionHeadersAreSkipped() {
        byte[] tcp = Arrays.copyOfRange(hexPayload(V6_TCP_SYN_INGRESS), 40, 80);
        // hop-by-hop (8) -> destination options (16) -> fragment, first (8) -> TCP
        byte[] ext = concat(new byte[] {60, 0, 1, 4, 0, 0, 0, 0}, new byte[] {44, 1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                0, 0, 0}, new byte[] {6, 0, 0, 1, 0, 0, 0, 9});
        FlowEvent e = decode(new NflogDecoder(), egress(ipv6(0, concat(ext, tcp)))).get(0);
        assertEquals(Protocols.TCP, e.protocol());
        assertEquals(40002, e.srcPort());
        assertEquals(7002, e.dstPort());
        assertEquals(0x02, e.tcpFlags());
    }

    @Test
    void ipv6NonFirstFragmentHasNoPorts() {
        byte[] frag = {17, 0, 0x01, 0x00, 0, 0, 0, 9}; // next UDP, offset 32
        FlowEvent e = decode(new NflogDecoder(), egress(ipv6(44, concat(frag, new byte[8])))).get(0);
        assertEquals(Protocols.UDP, e.protocol());
        assertEquals(-1, e.srcPort());
    }

    @Test
    void icmpv6AndUnknownProtocols() {
        FlowEvent icmp6 = decode(new NflogDecoder(), egress(ipv6(58, new byte[] {(byte) 128, 0, 0, 0}))).get(0);
        assertEquals(Protocols.ICMPV6, icmp6.protocol());
        assertEquals(128, icmp6.srcPort());
        assertEquals(0, icmp6.dstPort());
        FlowEvent sctp = decode(new NflogDecoder(), egress(ipv6(132, new byte[12]))).get(0);
        assertEquals(132, sctp.protocol());
        assertEquals(-1, sctp.srcPort());
    }

    @Test
    void payloadThatIsNotIpOrCutInTheL4HeaderIsMalformed() {
        NflogDecoder d = new NflogDecoder();
        assertEquals(0, decode(d, egress(new byte[] {0x20, 1, 2, 3})).size());
        byte[] ip = hexPayload(V6_TCP_SYN_INGRESS);
        assertEquals(0, decode(d, egress(Arrays.copyOf(ip, 40 + 19))).size(), "TCP header shorter than 20");
        assertEquals(0, decode(d, Msg.packet().attr(NflogAbi.NFULA_PREFIX, cstr("cf:egress:")).build()).size(),
                "no payload");
        assertEquals(3, d.malformed());
    }

    // --- helpers: synthetic messages in the kernel's layout -------------------------------------------------

    private static byte[] egress(byte[] payload) {
        return Msg.packet().attr(NflogAbi.NFULA_PREFIX, cstr(NflogAbi.PREFIX_EGRESS))
                .attr(NflogAbi.NFULA_IFINDEX_OUTDEV, new byte[] {0, 0, 0, 2}).attr(NflogAbi.NFULA_PAYLOAD, payload)
                .build();
    }

    /** 2001:2:0:fa::1 → 2001:2:0:fa::2 with next header {@code next} and {@code rest} after the fixed header. */
    private static byte[] ipv6(int next, byte[] rest) {
        byte[] h = new byte[40];
        h[0] = 0x60;
        h[4] = (byte) (rest.length >> 8);
        h[5] = (byte) rest.length;
        h[6] = (byte) next;
        h[7] = 64;
        byte[] src = {0x20, 0x01, 0, 2, 0, 0, 0, (byte) 0xfa, 0, 0, 0, 0, 0, 0, 0, 1};
        byte[] dst = src.clone();
        dst[15] = 2;
        System.arraycopy(src, 0, h, 8, 16);
        System.arraycopy(dst, 0, h, 24, 16);
        return concat(h, rest);
    }

    /** The NFULA_PAYLOAD value of a golden single-message datagram (the last attribute). */
    private static byte[] hexPayload(String golden) {
        byte[] m = hex(golden);
        ByteBuffer b = ByteBuffer.wrap(m).order(ByteOrder.nativeOrder());
        int p = 20;
        while (p + 4 <= m.length) {
            int len = Short.toUnsignedInt(b.getShort(p));
            if (b.getShort(p + 2) == NflogAbi.NFULA_PAYLOAD) {
                return Arrays.copyOfRange(m, p + 4, p + len);
            }
            p += NflogAbi.align4(len);
        }
        throw new AssertionError("no payload");
    }

    private static List<Integer> messageEnds(byte[] d) {
        ByteBuffer b = ByteBuffer.wrap(d).order(ByteOrder.nativeOrder());
        List<Integer> ends = new java.util.ArrayList<>();
        for (int p = 0; p < d.length; p += NflogAbi.align4(b.getInt(p))) {
            ends.add(p + b.getInt(p));
        }
        return ends;
    }

    private static long packetCount(byte[] d) {
        ByteBuffer b = ByteBuffer.wrap(d).order(ByteOrder.nativeOrder());
        long n = 0;
        for (int p = 0; p < d.length; p += NflogAbi.align4(b.getInt(p))) {
            n += b.getShort(p + 4) == NflogAbi.MSG_PACKET ? 1 : 0;
        }
        return n;
    }

    private static byte[] cstr(String s) {
        return (s + "\0").getBytes(StandardCharsets.US_ASCII);
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }

    /** A netlink message builder: header, nfgenmsg (AF_INET, group 4242), attributes padded to 4 bytes. */
    private static final class Msg {
        private final int type;
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();

        private Msg(int type) {
            this.type = type;
            body.writeBytes(new byte[] {2, 0, 0x10, (byte) 0x92});
        }

        static Msg packet() {
            return new Msg(NflogAbi.MSG_PACKET);
        }

        static Msg of(int type) {
            return new Msg(type);
        }

        Msg attr(int type, byte[] value) {
            ByteBuffer h = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder());
            h.putShort((short) (4 + value.length)).putShort((short) type);
            body.writeBytes(h.array());
            body.writeBytes(value);
            body.writeBytes(new byte[NflogAbi.align4(value.length) - value.length]);
            return this;
        }

        Msg raw(byte[] bytes) {
            body.writeBytes(bytes);
            return this;
        }

        byte[] build() {
            byte[] b = body.toByteArray();
            ByteBuffer m = ByteBuffer.allocate(16 + b.length).order(ByteOrder.nativeOrder());
            m.putInt(16 + b.length).putShort((short) type).putShort((short) 0).putInt(0).putInt(0).put(b);
            return m.array();
        }
    }
}
