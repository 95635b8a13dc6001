package io.cellflow.api;

import io.cellflow.flow.FlowEvent;
import io.cellflow.flow.Protocols;
import io.cellflow.monitor.MonitorException;
import io.cellflow.monitor.StreamItem;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The stream filters {@code ?direction=&protocol=&port=&decision=&kind=}, combinable (all must match). Notices
 * ({@code lost}) and heartbeats always pass: a filtered client still learns about gaps.
 */
record FlowFilter(String direction, String protocol, Integer port, String decision, String kind)
        implements Predicate<StreamItem> {

    private static final Set<String> DIRECTIONS = Set.of("ingress", "egress");
    private static final Set<String> PROTOCOLS = Set.of("tcp", "udp", "icmp", "icmpv6");
    private static final Set<String> DECISIONS = Set.of("allow", "deny");
    private static final Set<String> KINDS = Set.of("flow.opened", "flow.updated", "flow.closed");

    /** Validates the query values; a bad one is a 400 naming the parameter. */
    static FlowFilter of(String cellId, String direction, String protocol, String port, String decision,
            String kind) {
        check(cellId, "direction", direction, DIRECTIONS);
        check(cellId, "protocol", protocol, PROTOCOLS);
        check(cellId, "decision", decision, DECISIONS);
        String k = kind == null || kind.startsWith("flow.") ? kind : "flow." + kind;
        check(cellId, "kind", k, KINDS);
        Integer p = null;
        if (port != null) {
            try {
                p = Integer.parseInt(port);
            } catch (NumberFormatException e) {
                p = -1;
            }
            if (p < 0 || p > 65535) {
                throw MonitorException.invalid(cellId, "port", "port must be 0-65535, got \"" + port + "\"");
            }
        }
        return new FlowFilter(direction, protocol, p, decision, k);
    }

    private static void check(String cellId, String name, String value, Set<String> allowed) {
        if (value != null && !allowed.contains(value)) {
            throw MonitorException.invalid(cellId, name, name + " must be one of " + allowed.stream().sorted().toList()
                    + ", got \"" + (value.length() > 40 ? value.substring(0, 40) + "..." : value) + "\"");
        }
    }

    @Override
    public boolean test(StreamItem item) {
        if (!(item instanceof StreamItem.Flow f)) {
            return true;
        }
        FlowEvent e = f.event();
        if (e != null) { // a published event: its fields, without building the decision (see StreamItem.Flow)
            boolean ports = Protocols.hasPorts(e.protocol());
            return (direction == null || direction.equals(e.direction().json()))
                    && (protocol == null || protocol.equals(Protocols.name(e.protocol())))
                    && (decision == null || decision.equals(e.decision().json()))
                    && (kind == null || kind.equals(f.kind().sseName()))
                    && (port == null || ports && (port == e.srcPort() || port == e.dstPort()));
        }
        var d = f.decision();
        return (direction == null || direction.equals(d.direction().json()))
                && (protocol == null || protocol.equals(d.protocol()))
                && (decision == null || decision.equals(d.decision().json()))
                && (kind == null || kind.equals(f.kind().sseName()))
                && (port == null || port.equals(d.srcPort()) || port.equals(d.dstPort()));
    }
}
