package io.cellflow.nflog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What the ruleset writes into an nft script, and what it refuses to write. */
class NflogRulesetTest {

    @Test
    void tableNameMapsDotsAndDashesAndAppendsAHash() {
        String name = NflogRuleset.tableName("a.b-c");
        assertTrue(name.matches("cellflow_a_b_c_[0-9a-f]{8}"), name);
        assertEquals(name, NflogRuleset.tableName("a.b-c"), "stable");
    }

    @Test
    void idsThatMapToTheSameCharactersStillGetDistinctTables() {
        Set<String> names = Stream.of("a.b-c", "a_b_c", "a-b.c", "a.b.c", "a-b-c").map(NflogRuleset::tableName)
                .collect(Collectors.toSet());
        assertEquals(5, names.size(), names.toString());
    }

    @Test
    void rendersBothChainsForTheInterfaceAndGroup() {
        NflogRuleset r = new NflogRuleset("a.b-c", "cfc0", 4242);
        String t = NflogRuleset.tableName("a.b-c");
        assertEquals(t, r.tableName());
        assertEquals("add table inet " + t + "\n"
                + "delete table inet " + t + "\n"
                + "table inet " + t + " {\n"
                + "\tchain output {\n"
                + "\t\ttype filter hook output priority 0; policy accept;\n"
                + "\t\toifname \"cfc0\" ct state new log prefix \"cf:egress:\" group 4242\n"
                + "\t}\n"
                + "\tchain input {\n"
                + "\t\ttype filter hook input priority 0; policy accept;\n"
                + "\t\tiifname \"cfc0\" ct state new log prefix \"cf:ingress:\" group 4242\n"
                + "\t}\n"
                + "}\n", r.render());
    }

    @Test
    void rendersThePolicyChainLongestPrefixFirstWithAGroupCatchAndTheDefault() throws Exception {
        io.cellflow.policy.Policy p = io.cellflow.policy.PolicyParser.parse(new com.fasterxml.jackson.databind
                .ObjectMapper().readTree("""
                {"default": "deny", "rules": [
                  {"cidr": "198.18.0.0/15", "action": "allow"},
                  {"cidr": "198.18.1.2", "protocol": "udp", "ports": [7601, "8000-8080"], "action": "deny"},
                  {"cidr": "2001:2::/64", "protocol": "icmpv6", "action": "allow"},
                  {"cidr": "198.18.1.2/32", "protocol": "tcp", "action": "allow"}]}
                """), "policy");
        NflogRuleset r = new NflogRuleset("c1", "cfc0", 4242, p);
        String t = NflogRuleset.tableName("c1");
        assertEquals("add table inet " + t + "\n"
                + "delete table inet " + t + "\n"
                + "table inet " + t + " {\n"
                + "\tchain output {\n"
                + "\t\ttype filter hook output priority 0; policy accept;\n"
                + "\t\toifname \"cfc0\" jump egress_policy\n"
                + "\t\toifname \"cfc0\" ct state new log prefix \"cf:egress:\" group 4242\n"
                + "\t}\n"
                + "\tchain input {\n"
                + "\t\ttype filter hook input priority 0; policy accept;\n"
                + "\t\tiifname \"cfc0\" ct state new log prefix \"cf:ingress:\" group 4242\n"
                + "\t}\n"
                + "\tchain egress_policy {\n"
                + "\t\ticmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert }"
                + " return\n"
                + "\t\tip daddr 198.18.1.2/32 meta l4proto 17 th dport { 7601, 8000-8080 } log prefix \"cf:deny:2:\""
                + " group 4242 drop\n"
                + "\t\tip daddr 198.18.1.2/32 meta l4proto 6 return\n"
                + "\t\tip daddr 198.18.1.2/32 log prefix \"cf:deny:0:\" group 4242 drop\n"
                + "\t\tip daddr 198.18.0.0/15 return\n"
                + "\t\tip daddr 198.18.0.0/15 log prefix \"cf:deny:0:\" group 4242 drop\n"
                + "\t\tip6 daddr 2001:2::/64 meta l4proto 58 return\n"
                + "\t\tip6 daddr 2001:2::/64 log prefix \"cf:deny:0:\" group 4242 drop\n"
                + "\t\tlog prefix \"cf:deny:0:\" group 4242 drop\n"
                + "\t}\n"
                + "}\n", r.render());
        assertEquals(new NflogRuleset("c1", "cfc0", 4242).render(), r.withPolicy(null).render(),
                "without a policy the table is exactly the observe-only one");
        assertTrue(r.render().contains("prefix \"" + NflogAbi.PREFIX_DENY + "2:\""));
        assertEquals(2, NflogDecoder.denyRef(NflogAbi.PREFIX_DENY + "2:"), "the decoder reads back what we write");
    }

    @Test
    void prefixesAreTheOnesTheDecoderMapsBack() {
        String s = new NflogRuleset("c1", "eth0", 1).render();
        assertTrue(s.contains("prefix \"" + NflogAbi.PREFIX_EGRESS + "\""));
        assertTrue(s.contains("prefix \"" + NflogAbi.PREFIX_INGRESS + "\""));
    }

    @Test
    void defaultGroupIsDerivedFromTheIdWithinItsRange() {
        for (String id : new String[] {"a", "a.b-c", "cell-1", "cell-2", "Z".repeat(63)}) {
            int g = NflogRuleset.defaultGroup(id);
            assertTrue(g >= NflogRuleset.DEFAULT_GROUP_MIN && g <= NflogRuleset.DEFAULT_GROUP_MAX, id + ": " + g);
            assertEquals(g, new NflogRuleset(id, "eth0").group());
        }
        assertNotEquals(NflogRuleset.defaultGroup("cell-1"), NflogRuleset.defaultGroup("cell-2"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "eth0\" ; flush ruleset ; \"", "eth 0", "-eth0", ".eth0", "abcdefghijklmnop",
            "eth0\n", "eth0}", "eth0;", "eth0\""})
    void rejectsABadInterfaceName(String ifname) {
        assertThrows(IllegalArgumentException.class, () -> new NflogRuleset("c1", ifname, 1));
    }

    @Test
    void acceptsTheWholeInterfaceNameAlphabet() {
        new NflogRuleset("c1", "abcdefghijklmno", 1); // 15 characters: IFNAMSIZ - 1
        new NflogRuleset("c1", "_v-eth.0", 1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".a", "-a", "a b", "a\"", "a/b",
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"})
    void rejectsABadCellId(String cellId) {
        assertThrows(IllegalArgumentException.class, () -> new NflogRuleset(cellId, "eth0", 1));
        assertThrows(IllegalArgumentException.class, () -> NflogRuleset.tableName(cellId));
    }

    @Test
    void rejectsAGroupOutsideSixteenBits() {
        assertThrows(IllegalArgumentException.class, () -> new NflogRuleset("c1", "eth0", -1));
        assertThrows(IllegalArgumentException.class, () -> new NflogRuleset("c1", "eth0", 65536));
        assertEquals(65535, new NflogRuleset("c1", "eth0", 65535).group());
    }

    @Test
    void nullsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new NflogRuleset(null, "eth0", 1));
        assertThrows(IllegalArgumentException.class, () -> new NflogRuleset("c1", null, 1));
    }
}
