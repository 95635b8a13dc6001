package io.cellflow.monitor;

import io.cellflow.policy.Policy;
import java.time.Instant;

/**
 * One running monitor: what was asked ({@link MonitorSpec}), what runs ({@link Backend} and its
 * {@link FlowSource}), and its stream ({@link FlowHub}). Owns the source: {@link #close()} releases every kernel
 * object, then ends the streams. Idempotent.
 */
public final class CellMonitor implements AutoCloseable {
    public enum State {
        RUNNING,
        STOPPED
    }

    private final MonitorSpec spec;
    private final Backend backend;
    private final String runId;
    private final Instant startedAt;
    private final FlowSource source;
    private final FlowHub hub;
    private final String fallbackReason;
    private final LivePolicy policy;
    private volatile State state = State.RUNNING;

    CellMonitor(MonitorSpec spec, Backend backend, String runId, Instant startedAt, FlowSource source, FlowHub hub,
            String fallbackReason, LivePolicy policy) {
        this.spec = spec;
        this.backend = backend;
        this.runId = runId;
        this.startedAt = startedAt;
        this.source = source;
        this.hub = hub;
        this.fallbackReason = fallbackReason;
        this.policy = policy;
    }

    public MonitorSpec spec() {
        return spec;
    }

    public Backend backend() {
        return backend;
    }

    public String runId() {
        return runId;
    }

    public Instant startedAt() {
        return startedAt;
    }

    public State state() {
        return state;
    }

    public String attachMode() {
        return source.attachMode();
    }

    /** Why the preferred backend did not run, or {@code null}. */
    public String fallbackReason() {
        return fallbackReason;
    }

    public FlowHub hub() {
        return hub;
    }

    /** Reads the kernel's flow counters now (the drain thread calls this on its interval). */
    void drainFlows(DrainPacer pacer) {
        if (state == State.RUNNING) {
            source.drainFlows(pacer);
        }
    }

    /** The egress policy enforced now ({@code null}: none); {@link MonitorSpec#policy()} is the one it started with. */
    public Policy policy() {
        return policy.policy();
    }

    /** {@code sha256:<hex>} of the canonical policy enforced now, or {@code null}. */
    public String policyDigest() {
        return policy.digest();
    }

    /** Packets the policy dropped (eBPF: the kernel's count; nflog: deny log messages received). */
    public long deniedPackets() {
        return source.deniedPackets();
    }

    /**
     * Replaces the policy live: the backend switches atomically (see its source), the stream, its sequence and the
     * flows carry on, and events mapped from now on carry the new digest.
     *
     * @throws MonitorException CELL_NOT_MONITORED if the monitor stopped, BACKEND_UNAVAILABLE if the kernel or nft
     *     refused (the previous policy stays live)
     */
    public synchronized void replacePolicy(Policy next) {
        if (state == State.STOPPED) {
            throw MonitorException.of(MonitorException.Reason.CELL_NOT_MONITORED, spec.cellId(),
                    "cell " + spec.cellId() + " is not monitored");
        }
        source.applyPolicy(next);
        policy.set(next);
    }

    /** Fraction of the kernel ring not yet consumed. */
    public double fillRatio() {
        return source.fillRatio();
    }

    /** Bytes of the cell's eBPF ring buffer, or {@code null} (nflog has none). */
    public Integer ringBufferBytes() {
        return source.ringBufferBytes();
    }

    /** Losses the kernel counted, read now (one syscall). */
    KernelLosses kernelLosses() {
        FlowSource.KernelView k = source.kernel();
        return new KernelLosses(k.ringBufferLosses(), Math.max(0, k.flowTableFull()));
    }

    public MonitorCounters counters() {
        FlowSource.KernelView k = source.kernel();
        return new MonitorCounters(hub.events(), k.ringBufferLosses(), k.uniqueFlows(),
                k.packets() >= 0 ? k.packets() : null, hub.clients(), hub.slowClientDrops(),
                k.openFlows() >= 0 ? k.openFlows() : null, k.closedFlows() >= 0 ? k.closedFlows() : null,
                k.evictedFlows() >= 0 ? k.evictedFlows() : null, k.flowTableFull() >= 0 ? k.flowTableFull() : null);
    }

    @Override
    public synchronized void close() {
        if (state == State.STOPPED) {
            return;
        }
        state = State.STOPPED;
        try {
            source.close();
        } finally {
            hub.complete();
        }
    }
}
