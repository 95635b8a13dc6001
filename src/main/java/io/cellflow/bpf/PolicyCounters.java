package io.cellflow.bpf;

/** The program's per-CPU {@code cf_policy_stats}, summed over CPUs. */
public record PolicyCounters(long checked, long denied) {
    public static final PolicyCounters ZERO = new PolicyCounters(0, 0);
}
