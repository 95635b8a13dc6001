package io.cellflow.bpf;

import static io.cellflow.bpf.TestPacket.AH;
import static io.cellflow.bpf.TestPacket.DSTOPTS;
import static io.cellflow.bpf.TestPacket.ETH_P_8021AD;
import static io.cellflow.bpf.TestPacket.ETH_P_8021Q;
import static io.cellflow.bpf.TestPacket.ETH_P_ARP;
import static io.cellflow.bpf.TestPacket.ETH_P_IP;
import static io.cellflow.bpf.TestPacket.ETH_P_IPV6;
import static io.cellflow.bpf.TestPacket.FRAGMENT;
import static io.cellflow.bpf.TestPacket.HOPOPTS;
import static io.cellflow.bpf.TestPacket.ICMP;
import static io.cellflow.bpf.TestPacket.ICMPV6;
import static io.cellflow.bpf.TestPacket.NO_NEXT;
import static io.cellflow.bpf.TestPacket.ROUTING;
import static io.cellflow.bpf.TestPacket.TCP;
import static io.cellflow.bpf.TestPacket.UDP;
import static io.cellflow.bpf.TestPacket.ethernet;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cellflow.flow.Decision;
import io.cellflow.flow.Direction;
import io.cellflow.flow.DrainedFlows;
import io.cellflow.flow.FlowAbi;
import io.cellflow.flow.FlowCounters;
import io.cellflow.flow.FlowEvent;
import io.cellflow.flow.FlowKey;
import io.cellflow.flow.FlowKind;
import io.cellflow.flow.FlowRecordCodec;
import io.cellflow.flow.IpAddr;
import io.cellflow.it.TestNetwork;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import jnr.ffi.Pointer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Crafted frames through the real bundled tc programs with BPF_PROG_TEST_RUN (loaded, never attached; no traffic):
 * for each, the flow the program keyed and counted in {@code cf_flows} (drained with {@link FlowTableDrainer}), the
 * record it put in {@code cf_events} (read with {@link RingBufferReader}, decoded with {@link FlowRecordCodec}),
 * its {@code cf_stats} and its return code; or that a frame that must not make a flow made none. The catalogue
 * covers both parsers: the one inlined into the handler (IPv4, IPv6 without extension headers) and the global one
 * (IPv6 extension headers). Expected values come from how the frames were built, not from the program.
 *
 * <p>One object for the class; every case starts from an empty table and ring (drained before it) and compares
 * counter deltas. test_run hands the program one linear skb on the loopback device (ifindex 1) of the caller's
 * namespace, so the pull-and-reparse path is not reached from here.
 */
class ParserTestRunTest {
    private static final int TC_ACT_OK = 0;
    private static final int LOOPBACK_IFINDEX = 1;
    private static final int CF_FLOW_REPORTED = 1;
    private static final int ETH_MIN_FRAME = 60; // without FCS: shorter frames are padded by the sender's NIC
    private static final int SYN = 0x02;
    private static final int ACK = 0x10;
    private static final int FIN = 0x01;
    private static final int RST = 0x04;
    private static final int PSH = 0x08;

    private static final String V4_SRC = "198.18.1.1";
    private static final String V4_DST = "198.18.4.2";
    private static final String V6_SRC = "2001:2::1";
    private static final String V6_DST = "2001:2::2";

    private static Native nat;
    private static BpfObject object;
    private static RingBufferReader ring;
    private static FlowTableDrainer drainer;
    private static int ingress;
    private static int egress;

    /** What the program must have keyed: the 5-tuple (ports: ICMP type and code), family and the TCP flags. */
    record Flow(int family, int proto, String src, String dst, int sport, int dport, int tcpFlags) {
        FlowKey key(Direction dir) {
            InetAddress s = inet(src);
            InetAddress d = inet(dst);
            return new FlowKey(dir, proto, IpAddr.hi(s), IpAddr.lo(s), sport, IpAddr.hi(d), IpAddr.lo(d), dport);
        }
    }

    /** One drained entry: the key's raw bytes too, for what FlowKey does not hold (family, padding, unused bytes). */
    record Entry(byte[] rawKey, FlowKey key, FlowCounters counters, int flags) {}

    @BeforeAll
    static void load() throws BpfException {
        String gap = TestNetwork.privilegeGap();
        Assumptions.assumeTrue(gap == null, "privileged BPF test skipped: " + gap);
        nat = Native.get();
        object = BpfObject.openBundled(nat);
        object.skipPrograms(FlowAbi.PROG_CG_INGRESS, FlowAbi.PROG_CG_EGRESS);
        object.load(List.of(FlowAbi.PROG_TC_INGRESS, FlowAbi.PROG_TC_EGRESS), FlowAbi.MAPS);
        ring = RingBufferReader.map(nat, object.mapFd(FlowAbi.MAP_EVENTS), object.maxEntries(FlowAbi.MAP_EVENTS));
        drainer = new FlowTableDrainer(nat);
        ingress = object.programFd(FlowAbi.PROG_TC_INGRESS);
        egress = object.programFd(FlowAbi.PROG_TC_EGRESS);
    }

    @AfterAll
    static void close() {
        if (ring != null) {
            ring.close();
        }
        if (object != null) {
            object.close(); // the last fds: the kernel frees programs and maps
        }
    }

    @BeforeEach
    void emptyTableAndRing() {
        drain();
        records();
    }

    static Stream<Arguments> catalogue() {
        return Stream.of(
                // the inlined parser
                flow("IPv4 UDP", ethernet(ETH_P_IP).ipv4(UDP, V4_SRC, V4_DST).udp(1000, 53).payload(12),
                        new Flow(4, UDP, V4_SRC, V4_DST, 1000, 53, 0)),
                flow("IPv4 TCP SYN", ethernet(ETH_P_IP).ipv4(TCP, V4_SRC, V4_DST).tcp(1001, 80, SYN).padTo(ETH_MIN_FRAME),
                        new Flow(4, TCP, V4_SRC, V4_DST, 1001, 80, SYN)),
                flow("IPv4 ICMP echo request", ethernet(ETH_P_IP).ipv4(ICMP, V4_SRC, V4_DST).icmp(8, 0).payload(32),
                        new Flow(4, ICMP, V4_SRC, V4_DST, 8, 0, 0)),
                flow("IPv4 ICMP port unreachable", ethernet(ETH_P_IP).ipv4(ICMP, V4_DST, V4_SRC).icmp(3, 3).payload(28),
                        new Flow(4, ICMP, V4_DST, V4_SRC, 3, 3, 0)),
                flow("IPv4 non-first fragment (offset 80 bytes): no ports",
                        ethernet(ETH_P_IP).ipv4(UDP, V4_SRC, V4_DST, 0, 10).payload(40),
                        new Flow(4, UDP, V4_SRC, V4_DST, 0, 0, 0)),
                flow("IPv4 first fragment (MF, offset 0): ports",
                        ethernet(ETH_P_IP).ipv4(UDP, V4_SRC, V4_DST, 0, 0x2000).udp(1002, 53).payload(40),
                        new Flow(4, UDP, V4_SRC, V4_DST, 1002, 53, 0)),
                flow("IPv4 with options (ihl 6) TCP SYN-ACK",
                        ethernet(ETH_P_IP).ipv4(TCP, V4_SRC, V4_DST, 1, 0).tcp(1004, 80, SYN | ACK),
                        new Flow(4, TCP, V4_SRC, V4_DST, 1004, 80, SYN | ACK)),
                flow("IPv4 with 40 bytes of options (ihl 15) UDP",
                        ethernet(ETH_P_IP).ipv4(UDP, V4_SRC, V4_DST, 10, 0).udp(1014, 53),
                        new Flow(4, UDP, V4_SRC, V4_DST, 1014, 53, 0)),
                flow("802.1Q VLAN 5, IPv4 UDP",
                        ethernet(ETH_P_8021Q).vlan(5, ETH_P_IP).ipv4(UDP, V4_SRC, V4_DST).udp(1005, 53).padTo(ETH_MIN_FRAME),
                        new Flow(4, UDP, V4_SRC, V4_DST, 1005, 53, 0)),
                flow("IPv6 UDP", ethernet(ETH_P_IPV6).ipv6(UDP, V6_SRC, V6_DST).udp(1006, 53).payload(4),
                        new Flow(6, UDP, V6_SRC, V6_DST, 1006, 53, 0)),
                flow("IPv6 TCP FIN-ACK", ethernet(ETH_P_IPV6).ipv6(TCP, V6_SRC, V6_DST).tcp(1007, 443, FIN | ACK),
                        new Flow(6, TCP, V6_SRC, V6_DST, 1007, 443, FIN | ACK)),
                flow("IPv6 ICMPv6 echo request", ethernet(ETH_P_IPV6).ipv6(ICMPV6, V6_SRC, V6_DST).icmp(128, 0),
                        new Flow(6, ICMPV6, V6_SRC, V6_DST, 128, 0, 0)),
                flow("IPv6 ICMPv6 neighbour solicitation",
                        ethernet(ETH_P_IPV6).ipv6(ICMPV6, V6_SRC, V6_DST).icmp(135, 0).zeros(16),
                        new Flow(6, ICMPV6, V6_SRC, V6_DST, 135, 0, 0)),
                flow("IPv6 no next header (59): no ports", ethernet(ETH_P_IPV6).ipv6(NO_NEXT, V6_SRC, V6_DST),
                        new Flow(6, NO_NEXT, V6_SRC, V6_DST, 0, 0, 0)),
                // the global parser: IPv6 extension headers
                flow("IPv6 hop-by-hop, UDP",
                        ethernet(ETH_P_IPV6).ipv6(HOPOPTS, V6_SRC, V6_DST).ext6(UDP, 0).udp(1009, 53),
                        new Flow(6, UDP, V6_SRC, V6_DST, 1009, 53, 0)),
                flow("IPv6 dest-opts (16 bytes), routing, TCP RST",
                        ethernet(ETH_P_IPV6).ipv6(DSTOPTS, V6_SRC, V6_DST).ext6(ROUTING, 1).ext6(TCP, 0)
                                .tcp(1010, 80, RST),
                        new Flow(6, TCP, V6_SRC, V6_DST, 1010, 80, RST)),
                flow("IPv6 first fragment (M, offset 0), UDP: ports",
                        ethernet(ETH_P_IPV6).ipv6(FRAGMENT, V6_SRC, V6_DST).frag6(UDP, 0, true).udp(1011, 53)
                                .payload(16),
                        new Flow(6, UDP, V6_SRC, V6_DST, 1011, 53, 0)),
                flow("IPv6 non-first fragment (offset 32 units): no ports",
                        ethernet(ETH_P_IPV6).ipv6(FRAGMENT, V6_SRC, V6_DST).frag6(UDP, 32, false).payload(24),
                        new Flow(6, UDP, V6_SRC, V6_DST, 0, 0, 0)),
                flow("IPv6 AH (24 bytes), TCP PSH-ACK",
                        ethernet(ETH_P_IPV6).ipv6(AH, V6_SRC, V6_DST).ah6(TCP, 4).tcp(1013, 80, PSH | ACK),
                        new Flow(6, TCP, V6_SRC, V6_DST, 1013, 80, PSH | ACK)),
                flow("IPv6 four extension headers (the limit), UDP",
                        ethernet(ETH_P_IPV6).ipv6(HOPOPTS, V6_SRC, V6_DST).ext6(DSTOPTS, 0).ext6(ROUTING, 0)
                                .ext6(FRAGMENT, 0).frag6(UDP, 0, false).udp(1015, 53),
                        new Flow(6, UDP, V6_SRC, V6_DST, 1015, 53, 0)),
                // past CF_MAX_EXT_HDRS the parser stops: the fifth header's type is the flow's protocol, no ports
                flow("IPv6 five extension headers (past the limit), UDP",
                        ethernet(ETH_P_IPV6).ipv6(HOPOPTS, V6_SRC, V6_DST).ext6(DSTOPTS, 0).ext6(ROUTING, 0)
                                .ext6(DSTOPTS, 0).ext6(DSTOPTS, 0).ext6(UDP, 0).udp(1017, 53),
                        new Flow(6, DSTOPTS, V6_SRC, V6_DST, 0, 0, 0)),
                flow("802.1ad tag, IPv6 hop-by-hop, TCP FIN",
                        ethernet(ETH_P_8021AD).vlan(5, ETH_P_IPV6).ipv6(HOPOPTS, V6_SRC, V6_DST).ext6(TCP, 0)
                                .tcp(1021, 80, FIN),
                        new Flow(6, TCP, V6_SRC, V6_DST, 1021, 80, FIN)),
                // no flow: not IP, malformed or truncated (test_run's skb is all linear: nothing to pull)
                noFlow("ARP (padded)", ethernet(ETH_P_ARP).zeros(28).padTo(ETH_MIN_FRAME)),
                // test_run refuses (EINVAL) an untagged IPv4/IPv6 frame shorter than its IP header: such cuts go
                // behind a VLAN tag, which the kernel does not look through and the program does
                noFlow("802.1Q tag, then no IPv4 header", cut(ethernet(ETH_P_8021Q).vlan(5, ETH_P_IP)
                        .ipv4(UDP, V4_SRC, V4_DST), 18)),
                noFlow("802.1Q, IPv4 header cut at 10 bytes",
                        cut(ethernet(ETH_P_8021Q).vlan(5, ETH_P_IP).ipv4(UDP, V4_SRC, V4_DST), 18 + 10)),
                noFlow("IPv4 ihl 4 (shorter than a header)", ethernet(ETH_P_IP).ipv4Ihl(4, UDP, V4_SRC, V4_DST)
                        .udp(1018, 53)),
                noFlow("IPv4 UDP header cut at 6 bytes",
                        cut(ethernet(ETH_P_IP).ipv4(UDP, V4_SRC, V4_DST).udp(1019, 53), 14 + 20 + 6)),
                noFlow("IPv4 options past the end (ihl 15, 20 bytes sent), TCP",
                        cut(ethernet(ETH_P_IP).ipv4(TCP, V4_SRC, V4_DST, 10, 0).tcp(1, 2, SYN), 14 + 20)),
                noFlow("802.1Q tag cut", cut(ethernet(ETH_P_8021Q).vlan(5, ETH_P_IP), 16)),
                noFlow("802.1ad, IPv6 header cut at 30 bytes",
                        cut(ethernet(ETH_P_8021AD).vlan(5, ETH_P_IPV6).ipv6(UDP, V6_SRC, V6_DST), 18 + 30)),
                noFlow("IPv6 TCP header cut at 10 bytes",
                        cut(ethernet(ETH_P_IPV6).ipv6(TCP, V6_SRC, V6_DST).tcp(1020, 80, SYN), 14 + 40 + 10)),
                noFlow("IPv6 ICMPv6 cut at 1 byte",
                        cut(ethernet(ETH_P_IPV6).ipv6(ICMPV6, V6_SRC, V6_DST).icmp(128, 0), 14 + 40 + 1)),
                noFlow("IPv6 hop-by-hop longer than the packet",
                        cut(ethernet(ETH_P_IPV6).ipv6(HOPOPTS, V6_SRC, V6_DST).ext6(UDP, 4).udp(1, 2), 14 + 40 + 16)),
                noFlow("IPv6 fragment header cut at 4 bytes",
                        cut(ethernet(ETH_P_IPV6).ipv6(FRAGMENT, V6_SRC, V6_DST).frag6(UDP, 0, true), 14 + 40 + 4)),
                noFlow("IPv6 AH, TCP cut at 12 bytes",
                        cut(ethernet(ETH_P_IPV6).ipv6(AH, V6_SRC, V6_DST).ah6(TCP, 4).tcp(1, 2, SYN), 14 + 40 + 24 + 12)));
    }

    private static Arguments flow(String name, TestPacket p, Flow expected) {
        return Arguments.of(name, p.build(), expected);
    }

    private static Arguments noFlow(String name, TestPacket p) {
        return Arguments.of(name, p.build(), null);
    }

    private static Arguments noFlow(String name, byte[] frame) {
        return Arguments.of(name, frame, null);
    }

    private static byte[] cut(TestPacket p, int len) {
        byte[] full = p.build();
        assertTrue(len < full.length, "a cut must remove bytes");
        return Arrays.copyOf(full, len);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("catalogue")
    void ingressKeysCountsAndReportsThePacketOrMakesNoFlow(String name, byte[] frame, Flow expected) {
        KernelCounters before = counters();
        assertEquals(TC_ACT_OK, ProgTestRun.run(nat, ingress, frame), "return code");
        KernelCounters d = delta(before, counters());
        List<Entry> entries = drain();
        List<FlowEvent> records = records();
        if (expected == null) {
            assertAll(
                    () -> assertEquals(List.of(), entries.stream().map(Entry::key).toList(), "no flow stored"),
                    () -> assertEquals(List.of(), records, "no record"),
                    () -> assertEquals(new KernelCounters(1, 1, 0, 0, 0, 0), d, "counted once, as non-IP"));
            return;
        }
        assertEquals(1, entries.size(), "one flow stored: " + entries);
        assertOneNewFlow(expected, Direction.INGRESS, frame.length, entries.get(0), records, d);
    }

    @Test
    void egressKeysTheSamePacketAsAnotherFlowOfItsOwnDirection() {
        byte[] frame = ethernet(ETH_P_IPV6).ipv6(HOPOPTS, V6_SRC, V6_DST).ext6(UDP, 0).udp(2001, 53).build();
        Flow expected = new Flow(6, UDP, V6_SRC, V6_DST, 2001, 53, 0);

        KernelCounters before = counters();
        assertEquals(TC_ACT_OK, ProgTestRun.run(nat, egress, frame), "no policy: egress only observes");
        KernelCounters d = delta(before, counters());
        List<Entry> entries = drain();
        assertEquals(1, entries.size(), "one flow stored: " + entries);
        assertOneNewFlow(expected, Direction.EGRESS, frame.length, entries.get(0), records(), d);

        assertEquals(TC_ACT_OK, ProgTestRun.run(nat, ingress, frame));
        assertEquals(TC_ACT_OK, ProgTestRun.run(nat, egress, frame));
        List<FlowKey> keys = drain().stream().map(Entry::key).sorted((a, b) -> a.direction().compareTo(b.direction()))
                .toList();
        assertEquals(List.of(expected.key(Direction.INGRESS), expected.key(Direction.EGRESS)), keys);
        assertEquals(2, records().size(), "one record per direction");
    }

    @Test
    void laterPacketsAddToTheFlowAndItsFlagsWithoutAnotherRecord() {
        byte[] syn = ethernet(ETH_P_IP).ipv4(TCP, V4_SRC, V4_DST).tcp(3000, 80, SYN).padTo(ETH_MIN_FRAME).build();
        byte[] data = ethernet(ETH_P_IP).ipv4(TCP, V4_SRC, V4_DST).tcp(3000, 80, PSH | ACK).payload(100).build();
        byte[] fin = ethernet(ETH_P_IP).ipv4(TCP, V4_SRC, V4_DST, 1, 0).tcp(3000, 80, FIN | ACK).build();
        Flow flow = new Flow(4, TCP, V4_SRC, V4_DST, 3000, 80, SYN);

        KernelCounters before = counters();
        for (byte[] frame : List.of(syn, data, fin)) {
            assertEquals(TC_ACT_OK, ProgTestRun.run(nat, ingress, frame));
        }
        KernelCounters d = delta(before, counters());
        List<Entry> entries = drain();
        List<FlowEvent> records = records();

        assertEquals(1, entries.size(), "one flow: " + entries);
        Entry e = entries.get(0);
        assertAll(
                () -> assertEquals(flow.key(Direction.INGRESS), e.key()),
                () -> assertEquals(3, e.counters().packets()),
                () -> assertEquals(syn.length + data.length + fin.length, e.counters().bytes()),
                () -> assertEquals(SYN | PSH | ACK | FIN, e.counters().tcpFlags(), "flags of every packet"),
                () -> assertTrue(e.counters().lastNanos() >= e.counters().firstNanos()),
                () -> assertEquals(1, e.counters().recPackets(), "the entry keeps what its record carried"),
                () -> assertEquals(syn.length, e.counters().recBytes()),
                () -> assertEquals(new KernelCounters(3, 0, 1, 0, 1, 0), d));
        assertEquals(1, records.size(), "reported once, by its first packet: " + records);
        FlowEvent r = records.get(0);
        assertAll(
                () -> assertEquals(1, r.packets()),
                () -> assertEquals(syn.length, r.bytes()),
                () -> assertEquals(SYN, r.tcpFlags()),
                () -> assertEquals(e.counters().firstNanos(), r.monotonicNanos()));
    }

    /**
     * The ring full: a new flow's entry says it has no record (the drain reports it whole), and a flow's next
     * packet, once the ring has room, reports it with its counts so far, which the entry then keeps as its record's.
     */
    @Test
    void aFlowTheFullRingMissedIsReportedByTheDrainOrByItsNextPacket() {
        KernelCounters before = counters();
        int port = 1024;
        // step: one-packet flows until the ring refuses one (a 64 KiB ring holds ~800 records)
        while (delta(before, counters()).ringBufferLosses() == 0 && port < 60_000) {
            assertEquals(TC_ACT_OK, ProgTestRun.run(nat, ingress, udpFrom(port++)));
        }
        assertEquals(1, delta(before, counters()).ringBufferLosses(), "the ring filled up");
        int drainedWhole = port - 1;
        int reportedLate = port;
        byte[] late = udpFrom(reportedLate);
        assertEquals(TC_ACT_OK, ProgTestRun.run(nat, ingress, late)); // refused too
        assertEquals(port - 1024 - 1, records().size(), "every flow before the full ring was recorded");

        // step: the ring has room: the late flow's next packet reports it
        assertEquals(TC_ACT_OK, ProgTestRun.run(nat, ingress, late));
        List<FlowEvent> records = records();
        assertEquals(1, records.size(), "one late record: " + records);
        assertAll(
                () -> assertEquals(reportedLate, records.get(0).srcPort()),
                () -> assertEquals(2, records.get(0).packets(), "the counts so far"),
                () -> assertEquals(2L * late.length, records.get(0).bytes()));

        Map<Integer, FlowCounters> bySrcPort = new HashMap<>();
        for (Entry e : drain()) {
            bySrcPort.put(e.key().srcPort(), e.counters());
        }
        FlowCounters whole = bySrcPort.get(drainedWhole);
        FlowCounters kept = bySrcPort.get(reportedLate);
        assertAll(
                () -> assertEquals(1, whole.packets()),
                () -> assertEquals(0, whole.recPackets(), "no record: the drain reports it all"),
                () -> assertEquals(0, whole.recBytes()),
                () -> assertEquals(2, kept.packets()),
                () -> assertEquals(2, kept.recPackets(), "the late record's counts"),
                () -> assertEquals(2L * late.length, kept.recBytes()),
                () -> assertEquals(1, bySrcPort.get(1024).recPackets(), "a flow recorded on insert"));
    }

    private static byte[] udpFrom(int srcPort) {
        return ethernet(ETH_P_IP).ipv4(UDP, V4_SRC, V4_DST).udp(srcPort, 53).payload(12).build();
    }

    private static void assertOneNewFlow(Flow expected, Direction dir, int frameLen, Entry e, List<FlowEvent> records,
            KernelCounters d) {
        FlowKey key = expected.key(dir);
        int addrLen = expected.family() == 4 ? 4 : 16;
        byte[] raw = e.rawKey();
        assertAll(
                () -> assertEquals(key, e.key(), "stored key"),
                () -> assertEquals(expected.family(), raw[FlowAbi.Key.FAMILY], "family"),
                () -> assertEquals(0, raw[FlowAbi.Key.FAMILY + 1], "key padding"),
                () -> assertTrue(allZero(raw, FlowAbi.Key.SADDR + addrLen, FlowAbi.Key.DADDR)
                        && allZero(raw, FlowAbi.Key.DADDR + addrLen, FlowAbi.Key.SPORT), "unused address bytes"),
                () -> assertEquals(1, e.counters().packets(), "packets"),
                () -> assertEquals(frameLen, e.counters().bytes(), "bytes: the whole frame"),
                () -> assertEquals(expected.tcpFlags(), e.counters().tcpFlags(), "TCP flags"),
                () -> assertTrue(e.counters().firstNanos() > 0, "first packet time"),
                () -> assertEquals(e.counters().firstNanos(), e.counters().lastNanos(), "one packet"),
                () -> assertEquals(CF_FLOW_REPORTED, e.flags(), "marked reported"),
                () -> assertEquals(1, e.counters().recPackets(), "what its record carried: all of it"),
                () -> assertEquals(frameLen, e.counters().recBytes()),
                () -> assertEquals(new KernelCounters(1, 0, 1, 0, 1, 0), d, "one packet, one new flow, one record"));
        assertEquals(1, records.size(), "one record: " + records);
        FlowEvent r = records.get(0);
        assertAll(
                () -> assertEquals(key, FlowKey.of(r), "record's flow"),
                () -> assertEquals(FlowKind.OPENED, r.kind()),
                () -> assertEquals(Decision.ALLOW, r.decision()),
                () -> assertEquals(0, r.ruleRef()),
                () -> assertEquals(1, r.packets()),
                () -> assertEquals(frameLen, r.bytes()),
                () -> assertEquals(expected.tcpFlags(), r.tcpFlags()),
                () -> assertEquals(e.counters().firstNanos(), r.monotonicNanos(), "first packet's time"),
                () -> assertEquals(LOOPBACK_IFINDEX, r.ifindex(), "test_run's device"));
    }

    private static boolean allZero(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static List<Entry> drain() {
        List<Entry> out = new ArrayList<>();
        drainer.drain(mapFd(FlowAbi.MAP_FLOWS), (ByteBuffer keys, int ko, ByteBuffer values, int vo) -> {
            byte[] raw = new byte[FlowAbi.Key.SIZE];
            keys.get(ko, raw);
            int flags = values.get(vo + FlowAbi.Value.FLAGS) & 0xff
                    | (values.get(vo + FlowAbi.Value.FLAGS + 1) & 0xff) << 8; // host order, little-endian
            DrainedFlows one = new DrainedFlows(); // decoded as the service's drain decodes it
            one.add(keys, ko, values, vo);
            out.add(new Entry(raw, one.key(0), one.counters(0), flags));
        });
        return out;
    }

    /** Every record in the ring, oldest first; the ring is empty after. */
    private static List<FlowEvent> records() {
        List<FlowEvent> out = new ArrayList<>();
        while (ring.drain(rec -> out.add(FlowRecordCodec.decode(rec)), 1024) > 0) {
            // the ring holds more than one call takes
        }
        return out;
    }

    private static KernelCounters counters() {
        int cpus = nat.libbpf().libbpf_num_possible_cpus();
        Pointer key = nat.allocate(4);
        Pointer value = nat.allocate(FlowAbi.Stats.SIZE * cpus);
        assertEquals(0, nat.libbpf().bpf_map_lookup_elem(mapFd(FlowAbi.MAP_STATS), key, value), "read cf_stats");
        long[] sum = new long[FlowAbi.Stats.SIZE / 8];
        for (int cpu = 0; cpu < cpus; cpu++) {
            for (int f = 0; f < sum.length; f++) {
                sum[f] += value.getLong((long) cpu * FlowAbi.Stats.SIZE + f * 8L);
            }
        }
        return new KernelCounters(sum[FlowAbi.Stats.PACKETS / 8], sum[FlowAbi.Stats.NON_IP / 8],
                sum[FlowAbi.Stats.NEW_FLOWS / 8], sum[FlowAbi.Stats.RB_FAIL / 8], sum[FlowAbi.Stats.EVENTS / 8],
                sum[FlowAbi.Stats.MAP_FAIL / 8]);
    }

    private static KernelCounters delta(KernelCounters a, KernelCounters b) {
        return new KernelCounters(b.packets() - a.packets(), b.nonIp() - a.nonIp(), b.newFlows() - a.newFlows(),
                b.ringBufferLosses() - a.ringBufferLosses(), b.events() - a.events(),
                b.flowTableFailures() - a.flowTableFailures());
    }

    private static int mapFd(String name) {
        try {
            return object.mapFd(name);
        } catch (BpfException e) {
            throw new IllegalStateException(e);
        }
    }

    private static InetAddress inet(String literal) {
        try {
            return InetAddress.getByAddress(TestPacket.addr(literal, literal.contains(":") ? 16 : 4));
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }
}
