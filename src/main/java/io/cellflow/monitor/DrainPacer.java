package io.cellflow.monitor;

import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * Spreads one drain round's ledger work (updates and closes, applied in chunks) over a share of the drain
 * interval instead of publishing it in one burst. A burst of a few thousand {@code flow.updated} events queues in
 * front of every {@code flow.opened} that follows it, on the way to each client (encoding, the socket, the
 * client's reading), and that queue was the packet-to-client latency tail: at 10k new flows/s and a 250 ms
 * drain, 2,500 updates per drain. Paced, the drain thread parks between chunks, so opens and updates interleave
 * at a rate the stream keeps up with.
 *
 * <p>The round's budget is spread evenly over the chunk gaps expected in it: the larger of what the current
 * cell still has and what the previous round had left at this point, so a busy cell does not take the whole
 * budget from the cells after it. Past the budget nothing waits: a round that has more work than the budget
 * applies it at full speed, as without pacing. Used by the drain thread only.
 */
final class DrainPacer {
    /** No pacing (tests, and the monitor's final drain when it stops). */
    static final DrainPacer NONE = new DrainPacer(0);
    /**
     * The longest gap: a chunk's events take well under a millisecond to reach a client, so a longer gap only
     * delays updates (and a monitor's stop, which waits for the drain).
     */
    static final long MAX_GAP_NANOS = 5_000_000;

    private final long budgetNanos;
    private final LongSupplier clock;
    private final LongConsumer park;
    private final BooleanSupplier hurry;
    private long deadline;
    private int gapsThisRound;
    private int gapsLastRound;

    /** @param budgetNanos how long the paced part of one round may take; 0 disables pacing */
    DrainPacer(long budgetNanos) {
        this(budgetNanos, () -> false);
    }

    /**
     * @param hurry true while an early drain waits behind this round on the drain thread: a cell's flow table is
     *     filling, so the round stops pacing and ends as fast as it can
     */
    DrainPacer(long budgetNanos, BooleanSupplier hurry) {
        this(budgetNanos, System::nanoTime, LockSupport::parkNanos, hurry);
    }

    /** With its own clock and way of waiting (tests). */
    DrainPacer(long budgetNanos, LongSupplier clock, LongConsumer park) {
        this(budgetNanos, clock, park, () -> false);
    }

    DrainPacer(long budgetNanos, LongSupplier clock, LongConsumer park, BooleanSupplier hurry) {
        this.budgetNanos = Math.max(0, budgetNanos);
        this.clock = clock;
        this.park = park;
        this.hurry = hurry;
    }

    /** A drain round over every cell starts. */
    void beginRound() {
        if (budgetNanos == 0) {
            return;
        }
        deadline = clock.getAsLong() + budgetNanos;
        gapsThisRound = 0;
    }

    /** The round is over; its gap count is the next round's estimate. */
    void endRound() {
        if (budgetNanos == 0) {
            return;
        }
        gapsLastRound = gapsThisRound;
    }

    /**
     * Between two chunks of one cell's drain: parks for this gap's share of the budget left.
     *
     * @param chunksLeft chunks of this cell's drain still to apply (at least one)
     */
    void betweenChunks(int chunksLeft) {
        if (budgetNanos == 0) {
            return;
        }
        gapsThisRound++;
        long left = deadline - clock.getAsLong();
        if (left <= 0 || hurry.getAsBoolean()) {
            return;
        }
        long gaps = Math.max(chunksLeft, gapsLastRound - gapsThisRound + 1);
        park.accept(Math.min(MAX_GAP_NANOS, left / gaps));
    }
}
