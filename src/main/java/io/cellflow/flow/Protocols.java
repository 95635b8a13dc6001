package io.cellflow.flow;

/** IANA protocol numbers we name; every other number has no name (JSON {@code null}, never a guess). */
public final class Protocols {
    private Protocols() {}

    public static final int ICMP = 1;
    public static final int TCP = 6;
    public static final int UDP = 17;
    public static final int ICMPV6 = 58;

    /** @return {@code tcp}, {@code udp}, {@code icmp}, {@code icmpv6}, or {@code null} for any other number */
    public static String name(int protocol) {
        return switch (protocol) {
            case TCP -> "tcp";
            case UDP -> "udp";
            case ICMP -> "icmp";
            case ICMPV6 -> "icmpv6";
            default -> null;
        };
    }

    /** Whether the protocol has ports (for ICMP the key's port fields carry type and code instead). */
    public static boolean hasPorts(int protocol) {
        return protocol == TCP || protocol == UDP;
    }
}
