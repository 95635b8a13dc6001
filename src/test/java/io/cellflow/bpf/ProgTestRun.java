package io.cellflow.bpf;

import jnr.ffi.Pointer;

/**
 * One BPF_PROG_TEST_RUN of a loaded program on one packet ({@code bpf_prog_test_run_opts}): the kernel builds an
 * skb from a copy of the bytes, all of them linear, on the caller's network namespace's loopback device, and runs
 * the program once in the caller's context. No traffic, no attachment.
 */
final class ProgTestRun {
    /*
     * struct bpf_test_run_opts (libbpf 1.x, 64-bit): size_t sz; const void *data_in; void *data_out;
     * __u32 data_size_in, data_size_out; const void *ctx_in; void *ctx_out; __u32 ctx_size_in, ctx_size_out;
     * __u32 retval; int repeat; ... We pass the struct up to and including repeat: libbpf takes sz as the size
     * the caller knows, reads only those bytes and writes retval because sz covers it.
     */
    private static final int DATA_IN = 8;
    private static final int DATA_SIZE_IN = 24;
    private static final int RETVAL = 56;
    private static final int REPEAT = 60;
    private static final int SIZE = 64;

    private ProgTestRun() {}

    /** @return the program's return value (TC_ACT_* for a tc program) */
    static int run(Native nat, int progFd, byte[] packet) {
        if (nat.runtime().addressSize() != 8) {
            throw new IllegalStateException("the opts offsets here are those of a 64-bit ABI");
        }
        Pointer data = nat.allocate(packet.length);
        data.put(0, packet, 0, packet.length);
        Pointer opts = nat.allocate(SIZE); // zeroed: no data_out, no ctx
        opts.putAddress(0, SIZE);
        opts.putPointer(DATA_IN, data);
        opts.putInt(DATA_SIZE_IN, packet.length);
        opts.putInt(REPEAT, 1);
        int rc = nat.libbpf().bpf_prog_test_run_opts(progFd, opts);
        if (rc != 0) {
            throw new IllegalStateException("bpf_prog_test_run_opts failed: " + Errno.of(rc));
        }
        return opts.getInt(RETVAL);
    }
}
