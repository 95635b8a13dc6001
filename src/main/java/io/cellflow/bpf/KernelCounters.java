package io.cellflow.bpf;

/** The program's per-CPU {@code cf_stats}, summed over CPUs. */
public record KernelCounters(long packets, long nonIp, long newFlows, long ringBufferLosses, long events,
        long flowTableFailures) {
    public static final KernelCounters ZERO = new KernelCounters(0, 0, 0, 0, 0, 0);
}
