package io.cellflow.monitor;

import java.util.List;

/**
 * One client's place on a stream (a cell's {@link FlowHub} or the {@link AllCellsStream}): its own bounded, lossy
 * {@link ClientQueue}, drained by the client in batches. The hub never waits for it; the wake-up given at subscribe
 * time runs on the publishing thread when items arrive for a client that found its queue empty, or when the stream
 * ends. Drain from one thread at a time.
 */
public final class FlowSubscription {
    /** What a drain left behind. */
    public enum Status {
        /** more items wait: drain again (no wake-up will come for them) */
        MORE,
        /** nothing left: the wake-up runs when something arrives */
        PARKED,
        /** the stream is over (the monitor stopped) and everything was drained */
        ENDED
    }

    private final ClientQueue queue;
    private final Fanout owner;

    FlowSubscription(ClientQueue queue, Fanout owner) {
        this.queue = queue;
        this.owner = owner;
    }

    /** Moves up to {@code max} items into {@code out}, oldest first. */
    public Status drainTo(List<? super StreamItem> out, int max) {
        return queue.drainTo(out, max);
    }

    /** Leaves the stream: nothing more is queued, and what this client lost stays counted. Idempotent. */
    public void cancel() {
        owner.remove(this);
    }

    ClientQueue queue() {
        return queue;
    }
}
