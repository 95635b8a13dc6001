package io.cellflow.policy;

import java.util.List;

/**
 * One validated egress rule.
 *
 * @param ref the rule's 1-based position in the request: the {@code rule_ref} the kernel reports and the
 *     {@code N} of {@code nft_rule_ref: "rule:N"}
 * @param cidr destination network
 * @param protocol {@code null}: every protocol
 * @param ports destination-port ranges, sorted and merged; empty: every port (only TCP and UDP have ports)
 * @param action what a matching packet gets
 */
public record Rule(int ref, Cidr cidr, Protocol protocol, List<PortRange> ports, Action action) {
    public Rule {
        ports = List.copyOf(ports);
    }

    /** Canonical JSON of the rule: keys sorted, absent optional members omitted, no whitespace. */
    void appendJson(StringBuilder sb) {
        sb.append("{\"action\":\"").append(action.json()).append("\",\"cidr\":\"").append(cidr.text()).append('"');
        if (!ports.isEmpty()) {
            sb.append(",\"ports\":[");
            for (int i = 0; i < ports.size(); i++) {
                sb.append(i == 0 ? "\"" : ",\"").append(ports.get(i).text()).append('"');
            }
            sb.append(']');
        }
        if (protocol != null) {
            sb.append(",\"protocol\":\"").append(protocol.json()).append('"');
        }
        sb.append('}');
    }
}
