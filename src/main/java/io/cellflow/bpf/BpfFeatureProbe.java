package io.cellflow.bpf;

import jnr.ffi.Pointer;

/**
 * Asks the kernel, once, whether this process may load a BPF program at all: loads the smallest tc program
 * ({@code r0 = 0; exit}) and unloads it. Turns a later bare EPERM or EINVAL into "cannot load BPF programs here,
 * because ...". The answer is cached; tests and callers can construct their own probe.
 */
public final class BpfFeatureProbe {
    // BPF_MOV64_IMM(BPF_REG_0, 0); BPF_EXIT_INSN()
    private static final long[] RETURN_ZERO = {0x00000000000000b7L, 0x0000000000000095L};
    private volatile String result;
    private final Native nat;

    public BpfFeatureProbe(Native nat) {
        this.nat = nat;
    }

    /** @return {@code null} when a program loads, else why not (the errno, and what usually causes it) */
    public String programLoadBlocked() {
        String r = result;
        if (r == null) {
            result = r = probe();
        }
        return r.isEmpty() ? null : r;
    }

    private String probe() {
        if (nat.libbpfMissing() != null) {
            return nat.libbpfMissing();
        }
        Pointer insns = nat.allocate(RETURN_ZERO.length * 8);
        for (int i = 0; i < RETURN_ZERO.length; i++) {
            insns.putLong(i * 8L, RETURN_ZERO[i]);
        }
        int fd = nat.libbpf().bpf_prog_load(LibBpf.BPF_PROG_TYPE_SCHED_CLS, "cf_probe", "GPL", insns,
                RETURN_ZERO.length, null);
        java.lang.ref.Reference.reachabilityFence(insns); // freed by a cleaner once unreachable
        if (fd >= 0) {
            nat.libc().close(fd);
            return "";
        }
        Errno e = Errno.of(fd);
        String hint = switch (e.name()) {
            case "EPERM", "EACCES" -> " (needs root or CAP_BPF + CAP_NET_ADMIN; in a container, --privileged or"
                    + " --cap-add BPF,NET_ADMIN,SYS_ADMIN)";
            case "ENOSYS" -> " (the kernel has no bpf() system call)";
            case "EINVAL" -> " (the kernel refuses tc programs: CONFIG_NET_CLS_BPF/CONFIG_NET_CLS_ACT missing?)";
            default -> "";
        };
        return "a minimal BPF program cannot be loaded: " + e + hint;
    }
}
