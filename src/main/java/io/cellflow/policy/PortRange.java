package io.cellflow.policy;

/** An inclusive destination-port range, 0..65535; {@code lo == hi} for a single port. */
public record PortRange(int lo, int hi) {
    public static final int MAX = 0xffff;

    public PortRange {
        if (lo < 0 || hi > MAX || lo > hi) {
            throw new IllegalArgumentException("port range " + lo + "-" + hi);
        }
    }

    /** Canonical text: {@code "80"} or {@code "8000-8080"}. */
    public String text() {
        return lo == hi ? Integer.toString(lo) : lo + "-" + hi;
    }

    /** Whether the range is every port. */
    public boolean isAll() {
        return lo == 0 && hi == MAX;
    }
}
