package io.cellflow.monitor;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A client of a hub for unit tests: drains synchronously on the publishing thread whenever woken (so it always
 * keeps up), or, when held, only when {@link #drain} is called. No threads, no timing.
 */
final class TestClient implements Runnable {
    final List<StreamItem> items = new CopyOnWriteArrayList<>();
    private final boolean held;
    private FlowSubscription subscription;
    private boolean ended;
    private int wakeups;

    private TestClient(boolean held) {
        this.held = held;
    }

    /** Subscribes and drains once (the backlog), as a client does right after subscribing. */
    static TestClient of(FlowHub hub, long afterSequence, boolean held) {
        TestClient c = new TestClient(held);
        c.subscription = hub.subscribe(afterSequence, c);
        if (!held) {
            c.drain();
        }
        return c;
    }

    @Override
    public synchronized void run() {
        wakeups++;
        if (!held) {
            drain();
        }
    }

    /** Takes everything queued, in batches of 3 so batch boundaries are exercised. */
    synchronized void drain() {
        FlowSubscription.Status s;
        do {
            s = subscription.drainTo(items, 3);
        } while (s == FlowSubscription.Status.MORE);
        if (s == FlowSubscription.Status.ENDED && !ended) {
            ended = true;
            subscription.cancel();
        }
    }

    synchronized boolean ended() {
        return ended;
    }

    synchronized int wakeups() {
        return wakeups;
    }
}
