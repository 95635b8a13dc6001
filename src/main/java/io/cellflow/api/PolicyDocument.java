package io.cellflow.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * The shape of a policy document, for the OpenAPI description only: requests are read as JSON trees and
 * validated by {@code io.cellflow.policy.PolicyParser}, which names the offending member in a 400.
 */
@Schema(name = "Policy", description = "Per-cell egress policy. Only packets the cell sends are checked, every"
        + " packet, statelessly. The longest CIDR containing the destination decides: its first rule (request"
        + " order) matching protocol and destination port; if none matches, or no CIDR contains the destination,"
        + " the default applies. Denied packets are dropped and reported (decision deny, nft_rule_ref rule:N, N the"
        + " 1-based rule index, or default). IPv6 neighbour discovery is never checked. At most 256 rules, 8 per"
        + " CIDR, 16 ports or ranges per rule.")
public record PolicyDocument(
        @JsonProperty("default")
        @Schema(required = true, enumeration = {"allow", "deny"}, description = "action when no rule matches")
        String defaultAction,
        @Schema(description = "in order; absent: none") List<Rule> rules) {

    @Schema(name = "PolicyRule")
    public record Rule(
            @Schema(required = true, description = "IPv4 or IPv6 destination network; a bare address is one host;"
                    + " host bits are cleared", example = "198.18.0.0/15")
            String cidr,
            @Schema(enumeration = {"tcp", "udp", "icmp", "icmpv6"}, description = "absent: every protocol")
            String protocol,
            @Schema(description = "destination ports (tcp/udp only): numbers (443) or \"LO-HI\" strings"
                    + " (\"8000-8080\"), 0..65535; absent: every port", example = "[443, \"8000-8080\"]")
            List<String> ports,
            @Schema(required = true, enumeration = {"allow", "deny"}) String action) {}
}
