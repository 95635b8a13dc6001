package io.cellflow.nflog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cellflow.bpf.Native;
import io.cellflow.bpf.NetnsExecutor;
import io.cellflow.flow.FlowEvent;
import io.cellflow.flow.IpText;
import io.cellflow.flow.Protocols;
import io.cellflow.it.TestNetwork;
import io.cellflow.it.Traffic;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The NFLOG backend against real kernel objects: real namespaces and veth ({@link TestNetwork}), real nft tables,
 * real NFLOG sockets, bounded UDP and TCP traffic both ways over IPv4 and IPv6 ({@link Traffic}); then proof that
 * close() removed our table, kept a foreign one, and left no socket behind.
 */
class NflogFlowSourceTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static NetnsExecutor netns;
    private static final List<TestNetwork> nets = new ArrayList<>();

    @BeforeAll
    static void privileges() {
        String gap = TestNetwork.privilegeGap();
        Assumptions.assumeTrue(gap == null, "privileged nflog tests skipped: " + gap);
        netns = new NetnsExecutor(Native.get());
    }

    @AfterAll
    static void teardown() {
        if (netns != null) {
            netns.close();
        }
        nets.forEach(TestNetwork::close); // deleting a namespace also drops every table in it
    }

    /** A fresh network; TestNetwork picks its number at random, so retry the rare clash with a running one. */
    private static TestNetwork network() {
        AssertionError last = null;
        for (int i = 0; i < 3; i++) {
            try {
                TestNetwork n = TestNetwork.create();
                nets.add(n);
                return n;
            } catch (AssertionError e) {
                last = e;
            }
        }
        throw last;
    }

    private static String nft(TestNetwork net, String... args) {
        List<String> cmd = new ArrayList<>(List.of("nsenter", "--net=" + net.cellNetnsPath(), "nft"));
        cmd.addAll(List.of(args));
        return TestNetwork.sh(cmd.toArray(String[]::new));
    }

    /** direction protocol src:sport>dst:dport, as FlowStreamTest spells a flow. */
    private static String flow(String dir, String proto, String src, int sport, String dst, int dport) {
        return dir + " " + proto + " " + src + ":" + sport + ">" + dst + ":" + dport;
    }

    private static String describe(FlowEvent e) {
        return e.direction().json() + " " + Protocols.name(e.protocol()) + " " + IpText.of(e.srcAddr()) + ":"
                + e.srcPort() + ">" + IpText.of(e.dstAddr()) + ":" + e.dstPort();
    }

    /** Collects events from the reader thread; waits on arrivals, never on a fixed sleep. */
    private static final class Sink {
        final LinkedBlockingQueue<FlowEvent> queue = new LinkedBlockingQueue<>();
        final List<FlowEvent> seen = new ArrayList<>();

        boolean await(Predicate<List<FlowEvent>> done, Duration max) throws InterruptedException {
            long deadline = System.nanoTime() + max.toNanos();
            while (!done.test(seen)) {
                long left = deadline - System.nanoTime();
                FlowEvent e = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : null;
                if (e == null) {
                    return false;
                }
                seen.add(e);
            }
            return true;
        }

        Set<String> described() {
            return seen.stream().map(NflogFlowSourceTest::describe).collect(java.util.stream.Collectors.toSet());
        }
    }

    @Test
    void reportsEveryNewConnectionBothWaysOverV4AndV6ThenRemovesOnlyItsTable() throws Exception {
        TestNetwork net = network();
        nft(net, "add", "table", "inet", "foreign_test");
        Set<String> socketsBefore = sockets();
        Sink sink = new Sink();
        Set<String> expected = new HashSet<>();
        NflogFlowSource src = NflogFlowSource.start(Native.get(), netns, net.cellPath(), TestNetwork.CELL_IF,
                "nf.flow-1", 4321, sink.queue::add);
        Set<String> ourSocket = Set.of();
        try {
            Set<String> ours = new HashSet<>(sockets());
            ours.removeAll(socketsBefore);
            assertEquals(1, ours.size(), "one (netlink) socket while running: " + ours);
            ourSocket = ours;
            assertTrue(nft(net, "list", "tables").contains("table inet " + src.tableName()));

            Traffic t = new Traffic(netns);
            for (String[] af : List.of(new String[] {net.cellV4, net.peerV4}, new String[] {net.cellV6, net.peerV6})) {
                String cell = af[0], peer = af[1];
                int u = t.udp(net.cellPath(), cell, net.peerPath(), peer, 7001);
                expected.add(flow("egress", "udp", cell, u, peer, 7001));
                int v = t.udp(net.peerPath(), peer, net.cellPath(), cell, 7004);
                expected.add(flow("ingress", "udp", peer, v, cell, 7004));
                int c = t.tcp(net.cellPath(), cell, net.peerPath(), peer, 7002);
                expected.add(flow("egress", "tcp", cell, c, peer, 7002));
                int p = t.tcp(net.peerPath(), peer, net.cellPath(), cell, 7003);
                expected.add(flow("ingress", "tcp", peer, p, cell, 7003));
            }
            boolean complete = sink.await(evs -> sink.described().containsAll(expected), WAIT);
            Set<String> missing = new HashSet<>(expected);
            missing.removeAll(sink.described());
            assertTrue(complete, "flows missing: " + missing + "\nseen: " + sink.described());
            // let a duplicate or a stray reply flow show itself: drain what else arrives within one flush timeout
            sink.await(evs -> false, Duration.ofMillis(NflogSocket.FLUSH_TIMEOUT_CENTIS * 10L + 200));

            // conntrack logs a connection once, from its first packet: replies never open a flow of their own,
            // and neighbour discovery is never "new" (conntrack does not track it), so nothing else shows up
            List<String> all = sink.seen.stream().map(NflogFlowSourceTest::describe).toList();
            assertEquals(expected.size(), all.size(), "exactly one event per connection: " + all);
            assertEquals(expected, new HashSet<>(all));
            for (FlowEvent e : sink.seen) {
                assertEquals(src.ifindex(), e.ifindex());
                assertEquals(-1, e.packets());
                assertEquals(-1, e.bytes());
                if (e.protocol() == Protocols.TCP) {
                    assertEquals(0x02, e.tcpFlags(), "the SYN opens a TCP flow");
                }
            }
            assertEquals(sink.seen.size(), src.packets());
            assertEquals(0, src.malformed());
            assertEquals(0, src.foreignPrefix());
            assertEquals(0, src.overruns());
        } finally {
            src.close();
        }
        src.close(); // twice is harmless

        String tables = nft(net, "list", "tables");
        assertFalse(tables.contains("cellflow_"), "our table is gone: " + tables);
        assertTrue(tables.contains("table inet foreign_test"), "a table we did not create is untouched: " + tables);
        nft(net, "delete", "table", "inet", "foreign_test");
        assertEquals("", nft(net, "list", "tables").trim(), "nothing left in the namespace");
        // by identity, not by count: the JVM's other sockets (a previous test's HTTP clients) may close meanwhile
        assertTrue(java.util.Collections.disjoint(ourSocket, sockets()), "the netlink socket is closed");
        assertTrue(src.readerFailure().isEmpty());
    }

    @Test
    void sameGroupInTwoNamespacesDoesNotCollide() throws Exception {
        TestNetwork a = network();
        TestNetwork b = network();
        Sink sa = new Sink();
        Sink sb = new Sink();
        Traffic t = new Traffic(netns);
        try (NflogFlowSource srcA = NflogFlowSource.start(Native.get(), netns, a.cellPath(), TestNetwork.CELL_IF,
                        "cell-a", 5000, sa.queue::add);
                NflogFlowSource srcB = NflogFlowSource.start(Native.get(), netns, b.cellPath(), TestNetwork.CELL_IF,
                        "cell-b", 5000, sb.queue::add)) {
            int pa = t.udp(a.cellPath(), a.cellV4, a.peerPath(), a.peerV4, 7101);
            int pb = t.udp(b.cellPath(), b.cellV4, b.peerPath(), b.peerV4, 7102);
            String fa = flow("egress", "udp", a.cellV4, pa, a.peerV4, 7101);
            String fb = flow("egress", "udp", b.cellV4, pb, b.peerV4, 7102);
            assertTrue(sa.await(evs -> sa.described().contains(fa), WAIT), "a: " + sa.described());
            assertTrue(sb.await(evs -> sb.described().contains(fb), WAIT), "b: " + sb.described());
            assertFalse(sa.described().contains(fb), "a sees only its own namespace");
            assertFalse(sb.described().contains(fa), "b sees only its own namespace");
        }
        for (TestNetwork n : List.of(a, b)) {
            assertFalse(nft(n, "list", "tables").contains("cellflow_"));
        }
    }

    @Test
    void aTakenGroupInTheSameNamespaceFailsTypedAndLeavesNothing() throws Exception {
        TestNetwork net = network();
        Set<String> socketsBefore = sockets();
        try (NflogFlowSource first = NflogFlowSource.start(Native.get(), netns, net.cellPath(), TestNetwork.CELL_IF,
                "first", 5100, e -> {})) {
            NflogException e = assertThrows(NflogException.class, () -> NflogFlowSource.start(Native.get(), netns,
                    net.cellPath(), TestNetwork.CELL_IF, "second", 5100, ev -> {}));
            assertEquals(NflogException.Kind.NETLINK_FAILED, e.kind());
            // nfnetlink_log: a group bound by another socket of the namespace answers EPERM to a bind
            assertEquals("EPERM", e.errno().map(io.cellflow.bpf.Errno::name).orElse(null), e.getMessage());
            String tables = nft(net, "list", "tables");
            assertTrue(tables.contains(first.tableName()));
            assertFalse(tables.contains(NflogRuleset.tableName("second")), "the failed start installed nothing");
        }
        Set<String> left = new HashSet<>(sockets());
        left.removeAll(socketsBefore);
        assertTrue(left.isEmpty(), "no socket of ours left: " + left);
    }

    @Test
    void missingInterfaceAndNamespaceAreTyped() throws Exception {
        TestNetwork net = network();
        NflogException noIf = assertThrows(NflogException.class, () -> NflogFlowSource.start(Native.get(), netns,
                net.cellPath(), "nope0", "c1", 5200, e -> {}));
        assertEquals(NflogException.Kind.INTERFACE_NOT_FOUND, noIf.kind());
        NflogException noNs = assertThrows(NflogException.class, () -> NflogFlowSource.start(Native.get(), netns,
                Path.of("/run/netns/" + TestNetwork.PREFIX + "missing-" + ProcessHandle.current().pid()),
                TestNetwork.CELL_IF, "c1", 5200, e -> {}));
        assertEquals(NflogException.Kind.NETNS_NOT_FOUND, noNs.kind());
        assertTrue(noNs.errno().isPresent());
        assertEquals("", nft(net, "list", "tables").trim());
    }

    @Test
    void aLeftoverTableOfOursIsReplacedNotDuplicated() throws Exception {
        TestNetwork net = network();
        new NflogRuleset("stale", TestNetwork.CELL_IF, 6000).install(net.cellPath()); // as a killed run leaves it
        try (NflogFlowSource src = NflogFlowSource.start(Native.get(), netns, net.cellPath(), TestNetwork.CELL_IF,
                "stale", 6001, e -> {})) {
            String table = nft(net, "list", "table", "inet", src.tableName());
            assertEquals(2, table.lines().filter(l -> l.contains(" log ")).count(), table);
            assertFalse(table.contains("group 6000"), table);
            assertTrue(table.contains("group 6001"), table);
        }
        assertEquals("", nft(net, "list", "tables").trim());
    }

    @Test
    void closeAfterTheNamespaceIsGoneIsQuiet() throws Exception {
        TestNetwork net = network();
        NflogFlowSource src = NflogFlowSource.start(Native.get(), netns, net.cellPath(), TestNetwork.CELL_IF, "gone",
                5300, e -> {});
        net.close();
        src.close();
        assertTrue(src.readerFailure().isEmpty());
    }

    @Test
    void nftFailureIsTypedWithExitCodeAndStderr() throws Exception {
        TestNetwork net = network();
        // a regular file where the namespace should be: nsenter refuses it, so the nft run exits non-zero
        Path notANamespace = Files.createTempFile("cfnl-not-netns", "");
        try {
            NflogException e = assertThrows(NflogException.class,
                    () -> new NflogRuleset("c1", TestNetwork.CELL_IF, 1).install(notANamespace));
            assertEquals(NflogException.Kind.NFT_FAILED, e.kind());
            assertTrue(e.nftExitCode().isPresent() && e.nftExitCode().getAsInt() != 0);
            assertFalse(e.nftStderr().orElse("").isEmpty(), e.getMessage());
        } finally {
            Files.delete(notANamespace);
        }
        assertEquals("", nft(net, "list", "tables").trim());
    }

    /** Sockets this JVM holds (every socket fd links to socket:[inode]); Traffic closes its own. */
    /** This process's sockets, as their /proc/self/fd link names ("socket:[INODE]"). */
    private static Set<String> sockets() throws IOException {
        Set<String> out = new HashSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    String link = Files.readSymbolicLink(fd).toString();
                    if (link.startsWith("socket:")) {
                        out.add(link);
                    }
                } catch (IOException e) {
                    // closed while listing
                }
            }
        }
        return out;
    }
}
