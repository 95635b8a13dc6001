package io.cellflow.monitor;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Asks for an early drain of one cell's flow table when it may be filling up. The kernel's table is a plain hash
 * that refuses inserts once full (counted, and reported as {@code lost} with cause {@code flow_table_full}); every
 * drain empties it. So the new-flow records a cell produced since its last drain bound how full the table is, and
 * when they reach the threshold (about half its entries) the cell is drained now rather than at the next
 * {@code cellflow.flows.drain-interval}.
 *
 * <p>Cheap for the poller thread, which serves every cell: one atomic add per batch of records, and at most one
 * request outstanding per cell however fast records arrive (the request runs on the drain thread).
 *
 * <p>Thread safety: {@link #recorded} on the poller thread, {@link #draining} and {@link #requestDone} on the
 * thread that drains.
 */
final class DrainPressure {
    private final long threshold;
    private final Consumer<DrainPressure> request;
    private final AtomicLong sinceDrain = new AtomicLong();
    private final AtomicBoolean requested = new AtomicBoolean();

    /**
     * @param threshold new-flow records since the last drain that ask for a drain; 0 or less: never
     * @param request queues one early drain of the cell; it must call {@link #requestDone()} on the pressure it is
     *     given when that drain has run (or will not run), and must not block
     */
    DrainPressure(long threshold, Consumer<DrainPressure> request) {
        this.threshold = threshold;
        this.request = request;
    }

    /** The threshold for a table of {@code entries} entries drained at {@code fill} of them (0: never). */
    static long threshold(int entries, double fill) {
        return fill <= 0 ? 0 : Math.max(1, (long) (entries * Math.min(fill, 1.0)));
    }

    /** {@code newFlows} more new-flow records arrived; may ask for one drain. */
    void recorded(int newFlows) {
        if (threshold <= 0 || newFlows <= 0) {
            return;
        }
        if (sinceDrain.addAndGet(newFlows) >= threshold && requested.compareAndSet(false, true)) {
            request.accept(this);
        }
    }

    /** A drain (early or periodic) is about to empty the table: records from now on count towards the next one. */
    void draining() {
        sinceDrain.set(0);
    }

    /** The requested drain ran or will not run; a later batch may ask again. */
    void requestDone() {
        requested.set(false);
    }

    /** New-flow records since the last drain began. */
    long sinceDrain() {
        return sinceDrain.get();
    }
}
