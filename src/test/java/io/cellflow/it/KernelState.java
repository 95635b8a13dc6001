package io.cellflow.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** What the kernel holds for us, to prove a stopped monitor left nothing behind. */
public final class KernelState {
    private KernelState() {}

    /** BPF objects (programs, maps, links) this JVM holds an fd of. */
    public static long bpfFds() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().startsWith("anon_inode:bpf");
                } catch (IOException e) {
                    return false; // closed while listing
                }
            }).count();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** cellflow's programs loaded anywhere in the kernel right now. */
    public static long cellflowPrograms() {
        String out = TestNetwork.sh("bpftool", "prog", "show");
        return out.lines().filter(l -> l.contains("name cf_tc_")).count();
    }

    /** {@code tc qdisc show} of the cell's interface. */
    public static String qdiscs(TestNetwork net) {
        return TestNetwork.sh("ip", "netns", "exec", net.cellNs, "tc", "qdisc", "show", "dev", TestNetwork.CELL_IF);
    }

    /** {@code tc filter show} of both hooks of the cell's interface. */
    public static String filters(TestNetwork net) {
        return TestNetwork.run("ip", "netns", "exec", net.cellNs, "tc", "filter", "show", "dev", TestNetwork.CELL_IF,
                "ingress")
                + TestNetwork.run("ip", "netns", "exec", net.cellNs, "tc", "filter", "show", "dev",
                        TestNetwork.CELL_IF, "egress");
    }
}
