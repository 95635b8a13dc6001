package io.cellflow.monitor;

import io.cellflow.policy.Policy;

/** A running backend's hold on the kernel for one cell; closing releases all of it and never throws. */
interface FlowSource extends AutoCloseable {
    /** How the backend attached, e.g. {@code tcx} or {@code tc}. */
    String attachMode();

    /** Kernel-side counters: ring-buffer losses, unique flows, packets, flow-table refusals. */
    KernelView kernel();

    /**
     * Reads the kernel's per-flow counters (flow.updated, flow.closed); a no-op where the backend has none.
     *
     * @param pacer spreads the events over the drain round (see {@link DrainPacer})
     */
    default void drainFlows(DrainPacer pacer) {}

    /**
     * Replaces the egress policy live, without losing flows: packets meet the old policy or the new one.
     *
     * @throws MonitorException BACKEND_UNAVAILABLE when the kernel or nft refused; the old policy stays live
     */
    void applyPolicy(Policy policy);

    /** Packets the policy dropped so far (0 without a policy). */
    long deniedPackets();

    /** Fraction of the kernel-to-user buffer not yet consumed (0 where the backend has none). */
    default double fillRatio() {
        return 0;
    }

    /** Bytes of the kernel-to-user ring buffer, or {@code null} where the backend has none. */
    default Integer ringBufferBytes() {
        return null;
    }

    @Override
    void close();

    /**
     * Counts; -1 where the backend cannot know them.
     *
     * @param flowTableFull packets not counted because the kernel's flow table was full
     */
    record KernelView(long ringBufferLosses, long uniqueFlows, long packets, long openFlows, long closedFlows,
            long evictedFlows, long flowTableFull) {}
}
