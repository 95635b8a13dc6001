package io.cellflow.policy;

/** The protocols a rule may name; a rule without one matches every protocol. */
public enum Protocol {
    TCP("tcp", 6, true, 0),
    UDP("udp", 17, true, 0),
    /** IPv4 only */
    ICMP("icmp", 1, false, 4),
    /** IPv6 only */
    ICMPV6("icmpv6", 58, false, 6);

    private final String json;
    private final int number;
    private final boolean ports;
    private final int family;

    Protocol(String json, int number, boolean ports, int family) {
        this.json = json;
        this.number = number;
        this.ports = ports;
        this.family = family;
    }

    public String json() {
        return json;
    }

    /** IANA protocol number, as the IP header (and {@code meta l4proto}) carries it. */
    public int number() {
        return number;
    }

    /** Whether a rule for this protocol may restrict destination ports. */
    public boolean hasPorts() {
        return ports;
    }

    /** Whether the protocol exists in the address family (4 or 6). */
    public boolean appliesTo(int ipFamily) {
        return family == 0 || family == ipFamily;
    }

    /** @return the protocol named by {@code word} exactly (lower case), or {@code null} */
    static Protocol parse(String word) {
        for (Protocol p : values()) {
            if (p.json.equals(word)) {
                return p;
            }
        }
        return null;
    }
}
