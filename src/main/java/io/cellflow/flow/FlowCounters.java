package io.cellflow.flow;

/**
 * A drained flow-table value ({@code struct cf_flow_val}): what the kernel counted for one flow since the entry
 * was created, which is since the previous drain (the drain deletes what it reads), and how much of it the entry's
 * ring record carried ({@code recPackets}, {@code recBytes}; 0 and 0: no record), which the record's sighting
 * reports.
 */
public record FlowCounters(long packets, long bytes, long firstNanos, long lastNanos, int tcpFlags, long recPackets,
        long recBytes) {
    /** An entry without a ring record of its own. */
    public FlowCounters(long packets, long bytes, long firstNanos, long lastNanos, int tcpFlags) {
        this(packets, bytes, firstNanos, lastNanos, tcpFlags, 0, 0);
    }

    public static final int TCP_FIN = 0x01;
    public static final int TCP_RST = 0x04;

    /** The flow saw a FIN or a RST: the connection is ending. */
    public boolean ending() {
        return ending(tcpFlags);
    }

    /** Flags {@code tcpFlags} hold a FIN or a RST. */
    public static boolean ending(int tcpFlags) {
        return (tcpFlags & (TCP_FIN | TCP_RST)) != 0;
    }
}
