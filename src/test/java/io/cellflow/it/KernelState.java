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

    /** Ids of the BPF programs this JVM holds an fd of (from /proc/self/fdinfo). */
    public static java.util.Set<Long> heldPrograms() {
        java.util.Set<Long> ids = new java.util.TreeSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    if (!Files.readSymbolicLink(fd).toString().equals("anon_inode:bpf-prog")) {
                        continue;
                    }
                    for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo", fd.getFileName().toString()))) {
                        if (line.startsWith("prog_id:")) {
                            ids.add(Long.parseLong(line.substring(8).trim()));
                        }
                    }
                } catch (IOException e) {
                    // closed while listing
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return ids;
    }

    /** Whether a program with this id is still loaded anywhere in the kernel. */
    public static boolean programLoaded(long id) {
        return TestNetwork.run("bpftool", "prog", "show", "id", Long.toString(id)).contains("name ");
    }

    /** {@code tc qdisc show} of the cell's interface. */
    public static String qdiscs(TestNetwork net) {
        return TestNetwork.sh("ip", "netns", "exec", net.cellNs, "tc", "qdisc", "show", "dev", TestNetwork.CELL_IF);
    }

    /** {@code nft list tables} inside the cell's namespace. */
    public static String nftTables(TestNetwork net) {
        return TestNetwork.sh("ip", "netns", "exec", net.cellNs, "nft", "list", "tables");
    }

    /** {@code tc filter show} of both hooks of the cell's interface. */
    public static String filters(TestNetwork net) {
        return TestNetwork.run("ip", "netns", "exec", net.cellNs, "tc", "filter", "show", "dev", TestNetwork.CELL_IF,
                "ingress")
                + TestNetwork.run("ip", "netns", "exec", net.cellNs, "tc", "filter", "show", "dev",
                        TestNetwork.CELL_IF, "egress");
    }

    /** Link fds of this JVM whose type is {@code type} (fdinfo {@code link_type:}), e.g. {@code tcx}. */
    public static long heldLinks(String type) {
        long n = 0;
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    if (Files.readSymbolicLink(fd).toString().equals("anon_inode:bpf_link") && Files
                            .readAllLines(Path.of("/proc/self/fdinfo", fd.getFileName().toString()))
                            .stream().anyMatch(l -> l.startsWith("link_type:") && l.substring(10).trim().equals(type))) {
                        n++;
                    }
                } catch (IOException e) {
                    // closed while listing
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return n;
    }

    /**
     * Waits (bounded) until no program with this id is loaded: a deleted tc filter lets go of its program after an
     * RCU grace period, from a kernel work queue.
     */
    public static boolean programUnloaded(long id) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            if (!programLoaded(id)) {
                return true;
            }
            Thread.sleep(20);
        }
        return !programLoaded(id);
    }
}
