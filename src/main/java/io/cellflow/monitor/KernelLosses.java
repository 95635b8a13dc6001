package io.cellflow.monitor;

/**
 * What a cell's kernel side could not deliver, as running totals (0 where the backend has no such loss).
 *
 * @param ringBuffer records the kernel could not reserve in the full ring buffer
 * @param flowTable packets the kernel could not count because the flow table was full
 */
record KernelLosses(long ringBuffer, long flowTable) {
    static final KernelLosses NONE = new KernelLosses(0, 0);
}
