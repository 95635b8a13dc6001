package io.cellflow.monitor;

import io.cellflow.policy.Policy;

/**
 * The policy a monitor enforces now, with its digest computed once. Shared by the monitor, which replaces it after
 * the backend has applied a new one, and by the monitor's event mapper, which stamps {@link #digest()} on every
 * event. Thread-safe: one volatile snapshot.
 *
 * <p>The kernel does not tell which policy decided an event, so an event decided in the moment between the kernel
 * switching and {@link #set} (or still queued in the ring from before the switch) carries the neighbouring
 * policy's digest: a window of the poller's latency, milliseconds at most.
 */
final class LivePolicy {
    private record Snapshot(Policy policy, String digest) {}

    private volatile Snapshot current;

    LivePolicy(Policy initial) {
        set(initial);
    }

    void set(Policy policy) {
        current = new Snapshot(policy, policy == null ? null : policy.digest());
    }

    /** {@code null} without a policy. */
    Policy policy() {
        return current.policy();
    }

    /** {@code sha256:<hex>} of the canonical policy, {@code null} without a policy. */
    String digest() {
        return current.digest();
    }
}
