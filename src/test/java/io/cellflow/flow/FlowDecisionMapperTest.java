package io.cellflow.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class FlowDecisionMapperTest {
    private final ObjectMapper json = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    private static FlowEvent event(int protocol, String src, String dst) throws Exception {
        return new FlowEvent(FlowKind.OPENED, Direction.EGRESS, Decision.ALLOW, InetAddress.getByName(src), 40000,
                InetAddress.getByName(dst), 53, protocol, 0, 1, 60, System.nanoTime(), 2, 0);
    }

    @Test
    void writesTheSchemaFieldsInSnakeCase() throws Exception {
        FlowDecisionMapper m = new FlowDecisionMapper("c1", "run-1", "corr-9", "ebpf_tc", new MonotonicClock());
        ObjectNode n = json.valueToTree(m.map(event(17, "198.18.0.1", "198.18.0.2"), "d-1"));
        assertEquals("1.0.0", n.get("schema_version").asText());
        assertEquals("c1", n.get("cell_id").asText());
        assertEquals("run-1", n.get("run_id").asText());
        assertEquals("d-1", n.get("decision_id").asText());
        assertEquals("egress", n.get("direction").asText());
        assertEquals("allow", n.get("decision").asText());
        assertEquals("ebpf_tc", n.get("reason_code").asText());
        assertEquals("198.18.0.1", n.get("src_addr").asText());
        assertEquals(40000, n.get("src_port").asInt());
        assertEquals(53, n.get("dst_port").asInt());
        assertEquals("udp", n.get("protocol").asText());
        assertEquals(1, n.get("packet_count").asLong());
        assertEquals(60, n.get("byte_count").asLong());
        assertEquals("corr-9", n.get("correlation_id").asText());
        assertEquals('Z', n.get("observed_at").asText().charAt(n.get("observed_at").asText().length() - 1));
        assertNull(n.get("policy_digest"), "absent optional fields are omitted");
        assertNull(n.get("nft_rule_ref"));
    }

    @Test
    void denyEventsCarryTheDropReasonAndRuleRefAndEveryEventTheLiveDigest() throws Exception {
        String[] digest = {"sha256:aa"};
        FlowDecisionMapper m = new FlowDecisionMapper("c1", "r", null, "ebpf_tc", "ebpf_tc_drop", () -> digest[0],
                new MonotonicClock());
        FlowEvent deny = new FlowEvent(FlowKind.OPENED, Direction.EGRESS, Decision.DENY,
                InetAddress.getByName("198.18.0.1"), 40000, InetAddress.getByName("198.18.0.2"), 7601, 17, 0, 1, 60,
                System.nanoTime(), 2, 3);
        ObjectNode d = json.valueToTree(m.map(deny, "d-1"));
        assertEquals("deny", d.get("decision").asText());
        assertEquals("ebpf_tc_drop", d.get("reason_code").asText());
        assertEquals("rule:3", d.get("nft_rule_ref").asText());
        assertEquals("sha256:aa", d.get("policy_digest").asText());

        ObjectNode byDefault = json.valueToTree(m.map(new FlowEvent(FlowKind.OPENED, Direction.EGRESS, Decision.DENY,
                InetAddress.getByName("198.18.0.1"), 1, InetAddress.getByName("198.18.0.2"), 2, 17, 0, 1, 60,
                System.nanoTime(), 2, 0), "d-2"));
        assertEquals("default", byDefault.get("nft_rule_ref").asText());

        digest[0] = "sha256:bb"; // a live replace
        ObjectNode allow = json.valueToTree(m.map(event(17, "198.18.0.1", "198.18.0.2"), "d-3"));
        assertEquals("ebpf_tc", allow.get("reason_code").asText());
        assertNull(allow.get("nft_rule_ref"), "only deny events name a rule");
        assertEquals("sha256:bb", allow.get("policy_digest").asText());
    }

    @Test
    void unknownProtocolIsNullAndIcmpHasNoPorts() throws Exception {
        FlowDecisionMapper m = new FlowDecisionMapper("c1", "r", null, "ebpf_tc", new MonotonicClock());
        ObjectNode gre = json.valueToTree(m.map(event(47, "198.18.0.1", "198.18.0.2"), "d"));
        assertEquals(true, gre.has("protocol"));
        assertEquals(true, gre.get("protocol").isNull());
        ObjectNode icmp6 = json.valueToTree(m.map(event(58, "2001:2::1", "2001:2::2"), "d"));
        assertEquals("icmpv6", icmp6.get("protocol").asText());
        assertEquals("2001:2::1", icmp6.get("src_addr").asText());
        assertNull(icmp6.get("src_port"));
        assertNull(icmp6.get("dst_port"));
        assertNull(icmp6.get("correlation_id"));
    }
}
