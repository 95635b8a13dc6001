package io.cellflow.flow;

/**
 * A drained flow-table value ({@code struct cf_flow_val}): what the kernel counted for one flow since the entry
 * was created, which is since the previous drain (the drain deletes what it reads).
 */
public record FlowCounters(long packets, long bytes, long firstNanos, long lastNanos, int tcpFlags) {
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
