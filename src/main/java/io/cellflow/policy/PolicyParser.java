package io.cellflow.policy;

import com.fasterxml.jackson.databind.JsonNode;
import io.cellflow.flow.FlowAbi;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a policy document (JSON) into a {@link Policy}, or fails naming the exact member. Allow-lists only:
 * unknown members, wrong JSON types, and values outside the documented forms are rejected, so that what reaches
 * a BPF map or an nft script is only ever re-serialised from parsed numbers and bytes.
 *
 * <pre>
 * {"default": "allow"|"deny",
 *  "rules": [{"cidr": "198.18.0.0/15", "protocol": "tcp"|"udp"|"icmp"|"icmpv6",
 *             "ports": [443, "8000-8080"], "action": "allow"|"deny"}]}
 * </pre>
 *
 * {@code default} is required; {@code rules} may be absent (no rules); {@code protocol} and {@code ports} are
 * optional (JSON {@code null} is the same as absent). Limits: {@value #MAX_RULES} rules,
 * {@value #MAX_PORT_RANGES} port ranges per rule, {@value #MAX_RULES_PER_CIDR} rules per distinct CIDR (the
 * kernel keeps the rules of one CIDR in one map value). Stateless and thread-safe.
 */
public final class PolicyParser {
    public static final int MAX_RULES = 256;
    public static final int MAX_PORT_RANGES = FlowAbi.POLICY_PORT_RANGES;
    public static final int MAX_RULES_PER_CIDR = FlowAbi.POLICY_RULES_PER_CIDR;

    private static final Set<String> POLICY_KEYS = Set.of("default", "rules");
    private static final Set<String> RULE_KEYS = Set.of("cidr", "protocol", "ports", "action");

    private PolicyParser() {}

    /**
     * @param root the name of the document in field paths, e.g. {@code policy}
     * @throws PolicyException naming the member, e.g. {@code policy.rules[2].ports[0]}
     */
    public static Policy parse(JsonNode doc, String root) {
        if (doc == null || doc.isMissingNode() || doc.isNull()) {
            throw new PolicyException(root, "a policy object is required: {\"default\": \"allow\", \"rules\": []}");
        }
        if (!doc.isObject()) {
            throw new PolicyException(root, "must be a JSON object, got " + kind(doc));
        }
        unknownMembers(doc, POLICY_KEYS, root);
        Action dflt = action(doc.get("default"), root + ".default");
        JsonNode rulesNode = doc.get("rules");
        List<Rule> rules = new ArrayList<>();
        if (rulesNode != null && !rulesNode.isNull()) {
            if (!rulesNode.isArray()) {
                throw new PolicyException(root + ".rules", "must be an array, got " + kind(rulesNode));
            }
            if (rulesNode.size() > MAX_RULES) {
                throw new PolicyException(root + ".rules", "at most " + MAX_RULES + " rules, got " + rulesNode.size());
            }
            Map<Cidr, Integer> perCidr = new HashMap<>();
            for (int i = 0; i < rulesNode.size(); i++) {
                String at = root + ".rules[" + i + "]";
                Rule r = rule(rulesNode.get(i), at, i + 1);
                int n = perCidr.merge(r.cidr(), 1, Integer::sum);
                if (n > MAX_RULES_PER_CIDR) {
                    throw new PolicyException(at + ".cidr", "at most " + MAX_RULES_PER_CIDR
                            + " rules may share one CIDR, and this is rule " + n + " for " + r.cidr().text());
                }
                rules.add(r);
            }
        }
        return new Policy(dflt, rules);
    }

    private static Rule rule(JsonNode node, String at, int ref) {
        if (node == null || !node.isObject()) {
            throw new PolicyException(at, "must be an object {\"cidr\", \"protocol\", \"ports\", \"action\"}, got "
                    + kind(node));
        }
        unknownMembers(node, RULE_KEYS, at);

        // step: cidr
        JsonNode c = node.get("cidr");
        if (c == null || !c.isTextual()) {
            throw new PolicyException(at + ".cidr", "a CIDR string is required, e.g. \"198.18.0.0/15\", got "
                    + kind(c));
        }
        Cidr cidr;
        try {
            cidr = Cidr.parse(c.textValue());
        } catch (IllegalArgumentException e) {
            throw new PolicyException(at + ".cidr", e.getMessage() + ", got " + quote(c.textValue()));
        }

        // step: protocol (optional); it must exist in the CIDR's family
        Protocol protocol = null;
        JsonNode p = node.get("protocol");
        if (p != null && !p.isNull()) {
            protocol = p.isTextual() ? Protocol.parse(p.textValue()) : null;
            if (protocol == null) {
                throw new PolicyException(at + ".protocol", "must be tcp, udp, icmp or icmpv6, got " + shown(p));
            }
            if (!protocol.appliesTo(cidr.family())) {
                throw new PolicyException(at + ".protocol", protocol.json() + " does not exist in IPv"
                        + cidr.family() + " (cidr " + cidr.text() + ")");
            }
        }

        // step: ports (optional); only with tcp or udp
        List<PortRange> ports = List.of();
        JsonNode ps = node.get("ports");
        if (ps != null && !ps.isNull()) {
            if (protocol == null || !protocol.hasPorts()) {
                throw new PolicyException(at + ".ports", "ports need \"protocol\": \"tcp\" or \"udp\"");
            }
            ports = ports(ps, at + ".ports");
        }

        Action action = action(node.get("action"), at + ".action");
        return new Rule(ref, cidr, protocol, ports, action);
    }

    /** Sorted by start and merged where they overlap or touch; every port: the empty list. */
    private static List<PortRange> ports(JsonNode ps, String at) {
        if (!ps.isArray()) {
            throw new PolicyException(at, "must be an array of ports (443) or ranges (\"8000-8080\"), got " + kind(ps));
        }
        if (ps.isEmpty()) {
            throw new PolicyException(at, "must hold at least one port; omit \"ports\" for every port");
        }
        if (ps.size() > MAX_PORT_RANGES) {
            throw new PolicyException(at, "at most " + MAX_PORT_RANGES + " ports or ranges, got " + ps.size());
        }
        List<PortRange> in = new ArrayList<>();
        for (int j = 0; j < ps.size(); j++) {
            in.add(port(ps.get(j), at + "[" + j + "]"));
        }
        in.sort(Comparator.comparingInt(PortRange::lo).thenComparingInt(PortRange::hi));
        List<PortRange> out = new ArrayList<>();
        for (PortRange r : in) {
            PortRange last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (last != null && r.lo() <= last.hi() + 1) {
                out.set(out.size() - 1, new PortRange(last.lo(), Math.max(last.hi(), r.hi())));
            } else {
                out.add(r);
            }
        }
        return out.size() == 1 && out.get(0).isAll() ? List.of() : out;
    }

    private static PortRange port(JsonNode v, String at) {
        if (v.isIntegralNumber()) {
            if (!v.canConvertToInt() || v.intValue() < 0 || v.intValue() > PortRange.MAX) {
                throw new PolicyException(at, "port must be 0..65535, got " + v);
            }
            return new PortRange(v.intValue(), v.intValue());
        }
        if (v.isTextual()) {
            String s = v.textValue();
            int dash = s.indexOf('-');
            int lo = number(dash < 0 ? s : s.substring(0, dash));
            int hi = dash < 0 ? lo : number(s.substring(dash + 1));
            if (lo < 0 || hi < 0) {
                throw new PolicyException(at, "must be a port \"N\" or a range \"LO-HI\" of decimal numbers, got "
                        + quote(s));
            }
            if (lo > PortRange.MAX || hi > PortRange.MAX) {
                throw new PolicyException(at, "port must be 0..65535, got " + quote(s));
            }
            if (lo > hi) {
                throw new PolicyException(at, "range start is after its end, got " + quote(s));
            }
            return new PortRange(lo, hi);
        }
        throw new PolicyException(at, "must be a port number or a \"LO-HI\" string, got " + kind(v));
    }

    /** 1-5 decimal digits (up to 99999; the caller checks the range), or -1. */
    private static int number(String s) {
        if (s.isEmpty() || s.length() > 5) {
            return -1;
        }
        int v = 0;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch < '0' || ch > '9') {
                return -1;
            }
            v = v * 10 + (ch - '0');
        }
        return v;
    }

    private static Action action(JsonNode v, String at) {
        Action a = v != null && v.isTextual() ? Action.parse(v.textValue()) : null;
        if (a == null) {
            throw new PolicyException(at, "must be \"allow\" or \"deny\", got " + shown(v));
        }
        return a;
    }

    private static void unknownMembers(JsonNode obj, Set<String> known, String at) {
        for (Iterator<String> it = obj.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!known.contains(k)) {
                throw new PolicyException(at + "." + printable(k), "unknown member; known: "
                        + String.join(", ", known.stream().sorted().toList()));
            }
        }
    }

    private static String shown(JsonNode v) {
        return v != null && v.isTextual() ? quote(v.textValue()) : kind(v);
    }

    private static String kind(JsonNode v) {
        if (v == null || v.isMissingNode()) {
            return "nothing";
        }
        if (v.isTextual()) {
            return "a string";
        }
        if (v.isNumber()) {
            return "the number " + v;
        }
        return v.isNull() ? "null" : v.isBoolean() ? "a boolean" : v.isArray() ? "an array" : "an object";
    }

    private static String quote(String s) {
        return "\"" + printable(s) + "\"";
    }

    /** Bounded, with control characters replaced: the text ends up in an error message and a log line. */
    private static String printable(String s) {
        String shown = s.length() > 80 ? s.substring(0, 80) + "..." : s;
        return shown.replaceAll("\\p{Cntrl}", "?");
    }
}
