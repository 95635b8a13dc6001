package io.cellflow.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Parsing and validation of policy documents: every rejection names its member; canonical form and digest. */
class PolicyParserTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Policy parse(String json) throws Exception {
        return PolicyParser.parse(JSON.readTree(json), "policy");
    }

    /** One rule with the given members (a JSON fragment without braces) under default allow. */
    private static String oneRule(String members) {
        return "{\"default\":\"allow\",\"rules\":[{\"cidr\":\"198.18.0.0/15\",\"action\":\"deny\"},{" + members
                + "}]}";
    }

    private static String field(String json) {
        return assertThrows(PolicyException.class, () -> parse(json)).field();
    }

    @Test
    void parsesAFullPolicy() throws Exception {
        Policy p = parse("""
                {"default": "deny", "rules": [
                  {"cidr": "198.18.1.2/32", "protocol": "udp", "ports": [7601, "8000-8080"], "action": "deny"},
                  {"cidr": "2001:2::/64", "protocol": "icmpv6", "action": "allow"},
                  {"cidr": "10.0.0.0/8", "action": "allow"}]}
                """);
        assertEquals(Action.DENY, p.defaultAction());
        assertEquals(3, p.rules().size());
        Rule r1 = p.rules().get(0);
        assertEquals(1, r1.ref());
        assertEquals(4, r1.cidr().family());
        assertEquals(32, r1.cidr().prefixLength());
        assertEquals(Protocol.UDP, r1.protocol());
        assertEquals(List.of(new PortRange(7601, 7601), new PortRange(8000, 8080)), r1.ports());
        assertEquals(Action.DENY, r1.action());
        Rule r2 = p.rules().get(1);
        assertEquals(2, r2.ref());
        assertEquals(6, r2.cidr().family());
        assertEquals("2001:2::/64", r2.cidr().text());
        assertEquals(Protocol.ICMPV6, r2.protocol());
        assertTrue(r2.ports().isEmpty());
        assertNull(p.rules().get(2).protocol());
    }

    @Test
    void rulesMayBeAbsentOrEmptyAndOptionalMembersNull() throws Exception {
        assertEquals(List.of(), parse("{\"default\":\"allow\"}").rules());
        assertEquals(List.of(), parse("{\"default\":\"deny\",\"rules\":[]}").rules());
        Rule r = parse(oneRule("\"cidr\":\"198.18.0.1\",\"protocol\":null,\"ports\":null,\"action\":\"allow\""))
                .rules().get(1);
        assertNull(r.protocol());
        assertEquals("198.18.0.1/32", r.cidr().text(), "a bare address is one host");
    }

    @Test
    void theDocumentItselfMustBeAnObjectWithADefault() {
        assertEquals("policy", assertThrows(PolicyException.class, () -> PolicyParser.parse(null, "policy")).field());
        assertEquals("policy", field("[]"));
        assertEquals("policy", field("\"allow\""));
        assertEquals("policy.default", field("{\"rules\":[]}"));
        assertEquals("policy.default", field("{\"default\":\"block\"}"));
        assertEquals("policy.default", field("{\"default\":\"ALLOW\"}"));
        assertEquals("policy.default", field("{\"default\":1}"));
        assertEquals("policy.rules", field("{\"default\":\"allow\",\"rules\":{}}"));
        assertEquals("policy.defualt", field("{\"default\":\"allow\",\"defualt\":\"deny\"}"));
        assertEquals("policy.rules[0]", field("{\"default\":\"allow\",\"rules\":[\"10.0.0.0/8\"]}"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        // bad CIDRs
        "'\"cidr\":\"198.18.0.300/32\",\"action\":\"deny\"'          | policy.rules[1].cidr",
        "'\"cidr\":\"198.18.0.0/33\",\"action\":\"deny\"'            | policy.rules[1].cidr",
        "'\"cidr\":\"2001:db8::/129\",\"action\":\"deny\"'           | policy.rules[1].cidr",
        "'\"cidr\":\"198.18.0.0/-1\",\"action\":\"deny\"'            | policy.rules[1].cidr",
        "'\"cidr\":\"198.18.0.0/\",\"action\":\"deny\"'              | policy.rules[1].cidr",
        "'\"cidr\":\"198.18.0/24\",\"action\":\"deny\"'              | policy.rules[1].cidr",
        "'\"cidr\":\"198.018.0.0/24\",\"action\":\"deny\"'           | policy.rules[1].cidr",
        "'\"cidr\":\"example.com/24\",\"action\":\"deny\"'           | policy.rules[1].cidr",
        "'\"cidr\":\"2001:db8::1::/64\",\"action\":\"deny\"'         | policy.rules[1].cidr",
        "'\"cidr\":\"fe80::1%eth0/64\",\"action\":\"deny\"'          | policy.rules[1].cidr",
        "'\"cidr\":\"1:2:3:4:5:6:7:8:9/64\",\"action\":\"deny\"'     | policy.rules[1].cidr",
        "'\"cidr\":\"\",\"action\":\"deny\"'                         | policy.rules[1].cidr",
        "'\"cidr\":167772160,\"action\":\"deny\"'                    | policy.rules[1].cidr",
        "'\"action\":\"deny\"'                                       | policy.rules[1].cidr",
        // ports
        "'\"cidr\":\"10.0.0.0/8\",\"protocol\":\"tcp\",\"ports\":[70000],\"action\":\"deny\"'    | policy.rules[1].ports[0]",
        "'\"cidr\":\"10.0.0.0/8\",\"protocol\":\"tcp\",\"ports\":[80,\"70000\"],\"action\":\"deny\"' | policy.rules[1].ports[1]",
        "'\"cidr\":\"10.0.0.0/8\",\"protocol\":\"tcp\",\"ports\":[\"5-3\"],\"action\":\"deny\"'  | policy.rules[1].ports[0]",
        "'\"cidr\":\"10.0.0.0/8\",\"protocol\":\"tcp\",\"ports\":[-1],\"action\":\"deny\"'       | policy.rules[1].ports[0]",
        "'\"cidr\":\"10.0.0.0/8\",\"protocol\":\"tcp\",\"ports\":[80.5],\"action\":\"deny\"'     | policy.rules[1].ports[0]",
        "'\"cidr\":\"10.0.0.0/8\",\"protocol\":\"tcp\",\"ports\":[\"80-\"],\"action\":\"deny\"'  | policy.rules[1].ports[0]",
        "'\"cidr\":\"10.0.0.0/8\",\"protocol\":\"tcp\",\"ports\":[\" 80\"],\"action\":\"deny\"'  | policy.rules[1].ports[0]",
        "'\"cidr\":\"10.0.0.0/8\",\"protocol\":\"tcp\",\"ports\":[true],\"action\":\"deny\"'     | policy.rules[1].ports[0]",
        "'\"cidr\":\"10.0.0.0/8\",\"protocol\":\"tcp\",\"ports\":[],\"action\":\"deny\"'         | policy.rules[1].ports",
        "'\"cidr\":\"10.0.0.0/8\",\"protocol\":\"tcp\",\"ports\":80,\"action\":\"deny\"'         | policy.rules[1].ports",
        "'\"cidr\":\"10.0.0.0/8\",\"ports\":[80],\"action\":\"deny\"'                            | policy.rules[1].ports",
        "'\"cidr\":\"10.0.0.0/8\",\"protocol\":\"icmp\",\"ports\":[80],\"action\":\"deny\"'      | policy.rules[1].ports",
        // protocol
        "'\"cidr\":\"10.0.0.0/8\",\"protocol\":\"sctp\",\"action\":\"deny\"'                     | policy.rules[1].protocol",
        "'\"cidr\":\"10.0.0.0/8\",\"protocol\":\"TCP\",\"action\":\"deny\"'                      | policy.rules[1].protocol",
        "'\"cidr\":\"10.0.0.0/8\",\"protocol\":6,\"action\":\"deny\"'                            | policy.rules[1].protocol",
        "'\"cidr\":\"10.0.0.0/8\",\"protocol\":\"icmpv6\",\"action\":\"deny\"'                   | policy.rules[1].protocol",
        "'\"cidr\":\"2001:db8::/32\",\"protocol\":\"icmp\",\"action\":\"deny\"'                  | policy.rules[1].protocol",
        // action and unknown members
        "'\"cidr\":\"10.0.0.0/8\",\"action\":\"drop\"'                                           | policy.rules[1].action",
        "'\"cidr\":\"10.0.0.0/8\"'                                                               | policy.rules[1].action",
        "'\"cidr\":\"10.0.0.0/8\",\"action\":\"deny\",\"port\":[80]'                             | policy.rules[1].port",
    })
    void eachMalformedMemberIsNamed(String members, String field) {
        assertEquals(field, field(oneRule(members)));
    }

    @Test
    void limits() {
        StringBuilder many = new StringBuilder("{\"default\":\"allow\",\"rules\":[");
        for (int i = 0; i <= PolicyParser.MAX_RULES; i++) {
            many.append(i == 0 ? "" : ",").append("{\"cidr\":\"10.0.").append(i / 256).append('.').append(i % 256)
                    .append("\",\"action\":\"deny\"}");
        }
        assertEquals("policy.rules", field(many.append("]}").toString()));

        StringBuilder ports = new StringBuilder();
        for (int i = 0; i <= PolicyParser.MAX_PORT_RANGES; i++) {
            ports.append(i == 0 ? "" : ",").append(1000 + 2 * i);
        }
        assertEquals("policy.rules[1].ports", field(oneRule("\"cidr\":\"10.0.0.0/8\",\"protocol\":\"udp\",\"ports\":["
                + ports + "],\"action\":\"deny\"")));

        // the ninth rule for one CIDR (spelled differently) does not fit the kernel's map value
        StringBuilder same = new StringBuilder("{\"default\":\"allow\",\"rules\":[");
        for (int i = 0; i <= PolicyParser.MAX_RULES_PER_CIDR; i++) {
            same.append(i == 0 ? "" : ",").append("{\"cidr\":\"10.0.0.").append(i)
                    .append("/8\",\"protocol\":\"udp\",\"ports\":[").append(i).append("],\"action\":\"deny\"}");
        }
        same.append(",{\"cidr\":\"10.0.0.0/9\",\"action\":\"deny\"}]}");
        assertEquals("policy.rules[8].cidr", field(same.toString()));
    }

    @Test
    void canonicalJsonSortsKeysNormalisesAndOmitsAbsentMembers() throws Exception {
        Policy p = parse("""
                { "rules": [ { "action": "deny", "ports": ["8080", 443, "8000-8079", 22], "protocol": "tcp",
                               "cidr": "198.19.5.5/15" },
                             { "cidr": "2001:0DB8:0000:0000:0000:0000:0000:0001/48", "action": "allow" },
                             { "cidr": "::ffff:198.18.0.1", "protocol": "udp", "ports": ["0-65535"],
                               "action": "allow" } ],
                  "default": "deny" }
                """);
        assertEquals("{\"default\":\"deny\",\"rules\":["
                + "{\"action\":\"deny\",\"cidr\":\"198.18.0.0/15\",\"ports\":[\"22\",\"443\",\"8000-8080\"],"
                + "\"protocol\":\"tcp\"},"
                + "{\"action\":\"allow\",\"cidr\":\"2001:db8::/48\"},"
                + "{\"action\":\"allow\",\"cidr\":\"::ffff:c612:1/128\",\"protocol\":\"udp\"}]}", p.canonicalJson());
    }

    @Test
    void digestIsStableAcrossSpellingsAndChangesWithMeaning() throws Exception {
        Policy a = parse("{\"default\":\"allow\",\"rules\":[{\"cidr\":\"198.18.1.2/32\",\"protocol\":\"udp\","
                + "\"ports\":[7601],\"action\":\"deny\"}]}");
        Policy b = parse("{\"rules\":[{\"action\":\"deny\",\"ports\":[\"7601\"],\"protocol\":\"udp\","
                + "\"cidr\":\"198.18.1.2\"}],\"default\":\"allow\"}");
        Policy c = parse("{\"default\":\"allow\",\"rules\":[{\"cidr\":\"198.18.1.2/32\",\"protocol\":\"udp\","
                + "\"ports\":[\"7601-7601\"],\"action\":\"deny\"}]}");
        assertEquals(a.digest(), b.digest());
        assertEquals(a.digest(), c.digest());
        assertTrue(a.digest().matches("sha256:[0-9a-f]{64}"), a.digest());
        // a known value pins the canonical form: a change to it changes every digest operators have stored
        assertEquals("sha256:" + sha256Hex(a.canonicalJson()), a.digest());
        assertEquals("{\"default\":\"allow\",\"rules\":[{\"action\":\"deny\",\"cidr\":\"198.18.1.2/32\","
                + "\"ports\":[\"7601\"],\"protocol\":\"udp\"}]}", a.canonicalJson());

        Policy allow7601 = parse("{\"default\":\"allow\",\"rules\":[{\"cidr\":\"198.18.1.2/32\",\"protocol\":\"udp\","
                + "\"ports\":[7601],\"action\":\"allow\"}]}");
        assertNotEquals(a.digest(), allow7601.digest());
        Policy reordered = parse("{\"default\":\"allow\",\"rules\":[{\"cidr\":\"10.0.0.0/8\",\"action\":\"allow\"},"
                + "{\"cidr\":\"198.18.1.2/32\",\"protocol\":\"udp\",\"ports\":[7601],\"action\":\"deny\"}]}");
        Policy original = parse("{\"default\":\"allow\",\"rules\":[{\"cidr\":\"198.18.1.2/32\",\"protocol\":\"udp\","
                + "\"ports\":[7601],\"action\":\"deny\"},{\"cidr\":\"10.0.0.0/8\",\"action\":\"allow\"}]}");
        assertNotEquals(original.digest(), reordered.digest(), "rule order is meaning (rule refs)");
    }

    private static String sha256Hex(String s) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    @Test
    void portsAreSortedAndMerged() throws Exception {
        Rule r = parse(oneRule("\"cidr\":\"10.0.0.0/8\",\"protocol\":\"udp\",\"ports\":[\"100-200\",150,201,50,"
                + "\"300-300\"],\"action\":\"deny\"")).rules().get(1);
        assertEquals(List.of(new PortRange(50, 50), new PortRange(100, 201), new PortRange(300, 300)), r.ports());
    }
}
