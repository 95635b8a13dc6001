package io.cellflow.policy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * A cell's validated egress policy (built by {@link PolicyParser}).
 *
 * <p>Semantics, the same on both backends: only packets the cell sends (egress) are checked, every packet, without
 * connection state (a reply to a connection the peer opened is egress too). The rule whose CIDR is the longest
 * prefix of the destination address decides among the rules of that CIDR: the first, in request order, whose
 * protocol and destination port match; if none of them matches, or no CIDR contains the address, the default
 * action applies. Shorter CIDRs that also contain the address are not consulted. IPv6 neighbour discovery
 * (ICMPv6 types 133-136) is never checked, so a default of {@code deny} does not cut the link.
 *
 * @param rules in request order; {@link Rule#ref()} is the 1-based position
 */
public record Policy(Action defaultAction, List<Rule> rules) {
    public Policy {
        rules = List.copyOf(rules);
    }

    /**
     * The canonical JSON text: keys sorted, no whitespace, CIDRs normalised ({@code 198.18.0.0/15},
     * RFC 5952 IPv6), ports as sorted, merged strings ({@code "53"}, {@code "8000-8080"}), optional members
     * omitted when absent. Two requests that mean the same policy have the same canonical JSON.
     */
    public String canonicalJson() {
        StringBuilder sb = new StringBuilder(64 + rules.size() * 80);
        sb.append("{\"default\":\"").append(defaultAction.json()).append("\",\"rules\":[");
        for (int i = 0; i < rules.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            rules.get(i).appendJson(sb);
        }
        return sb.append("]}").toString();
    }

    /** {@code sha256:} + the lower-case hex SHA-256 of the UTF-8 {@link #canonicalJson()}. */
    public String digest() {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(canonicalJson().getBytes(StandardCharsets.UTF_8));
            return "sha256:" + HexFormat.of().formatHex(h);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JVM has SHA-256", e);
        }
    }
}
