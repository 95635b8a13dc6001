package io.cellflow.monitor;

/**
 * Tells a periodic drain round when a cell's kernel flow table is known to be empty, so the round skips the kernel
 * walk: {@code bpf_map_lookup_and_delete_batch} visits every bucket of the hash (16k by default) even when it holds
 * nothing, and at 1,000 idle cells every round made 1,000 such walks on the service's CPU.
 *
 * <p>Why the table is empty: a drain empties it, and the program writes a ring record for every entry it inserts
 * (a new flow, or a drained flow's next packet). So when the cell's {@link DrainPressure} counted no new-flow record
 * since the last drain began, nothing was inserted since that drain's walk started. The exception is an insert whose
 * record did not fit in a full ring: the kernel counts it ({@code ring_buffer_losses}), and once such a loss is seen
 * the next round walks the table again. As a backstop every cell's table is walked at least every
 * {@value #WALK_EVERY} rounds, at a per-cell offset so those walks spread over the rounds rather than coming at once.
 *
 * <p>Thread safety: {@link #skipWalk} on the drain thread (under the cell's drain lock); {@link #ringLosses} on any
 * thread that reads the kernel's counters.
 */
final class QuietTable {
    /** The most rounds in a row that skip a cell's walk. */
    static final int WALK_EVERY = 16;

    private int skipped; // drain thread
    private long lossesSeen; // guarded by this
    private boolean lossSinceWalk; // guarded by this

    /** @param offset spreads the backstop walks of many cells over the rounds (e.g. the cell's hash) */
    QuietTable(int offset) {
        this.skipped = Math.floorMod(offset, WALK_EVERY);
    }

    /**
     * Whether this round may leave the table alone; when it returns false the caller walks the table now.
     *
     * @param recordsSinceDrain new-flow records the poller delivered since the last drain began
     */
    boolean skipWalk(long recordsSinceDrain) {
        boolean loss;
        synchronized (this) {
            loss = lossSinceWalk;
            lossSinceWalk = false; // a loss from now on is the next walk's
        }
        if (recordsSinceDrain > 0 || loss || ++skipped >= WALK_EVERY) {
            skipped = 0;
            return false;
        }
        return true;
    }

    /** The kernel's ring-buffer loss count of the cell now: an increase may be an entry without a record. */
    synchronized void ringLosses(long total) {
        if (total > lossesSeen) {
            lossesSeen = total;
            lossSinceWalk = true;
        }
    }
}
