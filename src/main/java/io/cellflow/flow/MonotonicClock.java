package io.cellflow.flow;

import java.time.Instant;

/**
 * Turns kernel {@code bpf_ktime_get_ns()} stamps (CLOCK_MONOTONIC) into wall-clock instants. HotSpot's
 * {@link System#nanoTime()} reads the same clock on Linux, so one offset taken at start-up maps one onto the other.
 */
public final class MonotonicClock {
    private final long wallMinusMonotonicNanos;

    public MonotonicClock() {
        Instant now = Instant.now();
        long mono = System.nanoTime();
        this.wallMinusMonotonicNanos = now.getEpochSecond() * 1_000_000_000L + now.getNano() - mono;
    }

    /** Nanoseconds since the epoch (UTC) of a {@code CLOCK_MONOTONIC} stamp; no allocation. */
    public long toEpochNanos(long monotonicNanos) {
        return monotonicNanos + wallMinusMonotonicNanos;
    }

    public Instant toInstant(long monotonicNanos) {
        long wall = toEpochNanos(monotonicNanos);
        return Instant.ofEpochSecond(Math.floorDiv(wall, 1_000_000_000L), Math.floorMod(wall, 1_000_000_000L));
    }
}
