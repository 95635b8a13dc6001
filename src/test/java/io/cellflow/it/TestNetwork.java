package io.cellflow.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cellflow.bpf.Native;
import io.cellflow.bpf.NetnsExecutor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A cell for privileged tests: two network namespaces ({@code cft-*}, "cell" and "peer") joined by one veth, with
 * 198.18.N.1/.2 and 2001:2:0:N::1/::2. Nothing routes anywhere else. {@link #close()} deletes both namespaces,
 * which removes the veth and anything attached to it, also when the test failed.
 */
public final class TestNetwork implements AutoCloseable {
    public static final String CELL_IF = "cfc0";
    public static final String PEER_IF = "cfp0";
    /** Name prefix of every namespace tests create; scripts/test.sh checks none is left after a run. */
    public static final String PREFIX = System.getProperty("cellflow.test.netns-prefix", "cft-");

    public final String cellNs;
    public final String peerNs;
    public final String cellV4;
    public final String peerV4;
    public final String cellV6;
    public final String peerV6;
    private NetnsExecutor executor;

    private TestNetwork(int n) {
        String tag = PREFIX + n + "-" + ProcessHandle.current().pid();
        this.cellNs = tag + "-cell";
        this.peerNs = tag + "-peer";
        this.cellV4 = "198.18." + n + ".1";
        this.peerV4 = "198.18." + n + ".2";
        this.cellV6 = "2001:2:0:" + Integer.toHexString(n) + "::1";
        this.peerV6 = "2001:2:0:" + Integer.toHexString(n) + "::2";
    }

    /**
     * For privileged tests: the network, or the test class skipped with the stated reason when root, iproute2 or
     * libbpf is missing (CI has them, so there it always runs).
     */
    public static TestNetwork createOrSkip(String what) {
        String gap = privilegeGap();
        org.junit.jupiter.api.Assumptions.assumeTrue(gap == null, what + " skipped: " + gap);
        return create();
    }

    /** The thread that enters this network's namespaces (test sockets are created there). */
    public synchronized NetnsExecutor executor() {
        if (executor == null) {
            executor = new NetnsExecutor(Native.get());
        }
        return executor;
    }

    /** Bounded test traffic between the two ends. */
    public Traffic traffic() {
        return new Traffic(executor());
    }

    /** Creates the namespaces and the veth; on failure removes what it made. */
    public static TestNetwork create() {
        TestNetwork t = new TestNetwork(ThreadLocalRandom.current().nextInt(1, 250));
        try {
            sh("ip", "netns", "add", t.cellNs);
            sh("ip", "netns", "add", t.peerNs);
            sh("ip", "link", "add", CELL_IF, "netns", t.cellNs, "type", "veth", "peer", "name", PEER_IF, "netns",
                    t.peerNs);
            t.address(t.cellNs, CELL_IF, t.cellV4 + "/30", t.cellV6 + "/64");
            t.address(t.peerNs, PEER_IF, t.peerV4 + "/30", t.peerV6 + "/64");
            return t;
        } catch (RuntimeException | AssertionError e) {
            t.close();
            throw e;
        }
    }

    private void address(String ns, String dev, String v4, String v6) {
        sh("ip", "-n", ns, "link", "set", "lo", "up");
        sh("ip", "-n", ns, "addr", "add", v4, "dev", dev);
        sh("ip", "-n", ns, "addr", "add", v6, "dev", dev, "nodad");
        sh("ip", "-n", ns, "link", "set", dev, "up");
    }

    /**
     * Silences the link for byte-exact accounting: IPv6 off (no neighbour discovery, no MLD) and permanent ARP
     * entries both ways, so every frame on the veth is IPv4 traffic a test sent.
     */
    public void quiet() {
        for (String[] side : List.of(new String[] {cellNs, CELL_IF, peerNs, PEER_IF, peerV4},
                new String[] {peerNs, PEER_IF, cellNs, CELL_IF, cellV4})) {
            sh("ip", "netns", "exec", side[0], "sysctl", "-qw", "net.ipv6.conf." + side[1] + ".disable_ipv6=1");
            String mac = sh("ip", "netns", "exec", side[2], "cat", "/sys/class/net/" + side[3] + "/address").trim();
            sh("ip", "-n", side[0], "neigh", "replace", side[4], "lladdr", mac, "dev", side[1], "nud", "permanent");
        }
    }

    /** {@code [rx_bytes, tx_bytes]} of the cell's end of the veth. */
    public long[] cellByteCounters() {
        String rx = sh("ip", "netns", "exec", cellNs, "cat", "/sys/class/net/" + CELL_IF + "/statistics/rx_bytes");
        String tx = sh("ip", "netns", "exec", cellNs, "cat", "/sys/class/net/" + CELL_IF + "/statistics/tx_bytes");
        return new long[] {Long.parseLong(rx.trim()), Long.parseLong(tx.trim())};
    }

    public String cellNetnsPath() {
        return "/run/netns/" + cellNs;
    }

    public Path cellPath() {
        return Path.of(cellNetnsPath());
    }

    public Path peerPath() {
        return Path.of("/run/netns/" + peerNs);
    }

    @Override
    public void close() {
        synchronized (this) {
            if (executor != null) {
                executor.close();
                executor = null;
            }
        }
        for (String ns : List.of(cellNs, peerNs)) {
            if (Files.exists(Path.of("/run/netns", ns))) {
                run("ip", "netns", "del", ns);
            }
        }
    }

    /**
     * Why privileged tests cannot run here, or {@code null} when they can: root, iproute2 and libbpf are needed.
     */
    public static String privilegeGap() {
        if (!"0".equals(run("id", "-u").trim())) {
            return "not root: network namespaces and BPF need root (run scripts/test.sh as root)";
        }
        if (run("ip", "-V").isEmpty()) {
            return "iproute2 (ip) is not installed";
        }
        try {
            Native.get().libbpf();
        } catch (Native.NativeUnavailable e) {
            return e.getMessage();
        }
        return null;
    }

    /** Runs a command and fails the test with its output when it exits non-zero. */
    public static String sh(String... cmd) {
        Result r = exec(cmd);
        assertEquals(0, r.exit, String.join(" ", cmd) + " failed:\n" + r.output);
        return r.output;
    }

    /** Runs a command, returns its output whatever the exit code ("" if it cannot start). */
    public static String run(String... cmd) {
        return exec(cmd).output;
    }

    private record Result(int exit, String output) {}

    private static Result exec(String... cmd) {
        try {
            Process p = new ProcessBuilder(new ArrayList<>(List.of(cmd))).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), String.join(" ", cmd) + " timed out");
            return new Result(p.exitValue(), out);
        } catch (IOException e) {
            return new Result(-1, "");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "");
        }
    }
}
