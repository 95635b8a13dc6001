package io.cellflow.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java side and bpf/cellflow.h agree: compiles a small C program against the header that prints every size,
 * offset and constant FlowAbi mirrors, and compares. A change to either side without the other fails here.
 */
class AbiLayoutTest {
    private static final String PROGRAM = """
            #include <stdio.h>
            #include <stddef.h>
            #include "cellflow.h"
            #define P(name, v) printf("%s=%ld\\n", name, (long)(v))
            int main(void) {
                P("event.size", sizeof(struct cf_flow_event));
                P("event.first_ns", offsetof(struct cf_flow_event, first_ns));
                P("event.packets", offsetof(struct cf_flow_event, packets));
                P("event.bytes", offsetof(struct cf_flow_event, bytes));
                P("event.saddr", offsetof(struct cf_flow_event, saddr));
                P("event.daddr", offsetof(struct cf_flow_event, daddr));
                P("event.sport", offsetof(struct cf_flow_event, sport));
                P("event.dport", offsetof(struct cf_flow_event, dport));
                P("event.proto", offsetof(struct cf_flow_event, proto));
                P("event.dir", offsetof(struct cf_flow_event, dir));
                P("event.family", offsetof(struct cf_flow_event, family));
                P("event.tcp_flags", offsetof(struct cf_flow_event, tcp_flags));
                P("event.kind", offsetof(struct cf_flow_event, kind));
                P("event.decision", offsetof(struct cf_flow_event, decision));
                P("event.rule_ref", offsetof(struct cf_flow_event, rule_ref));
                P("event.ifindex", offsetof(struct cf_flow_event, ifindex));
                P("key.size", sizeof(struct cf_flow_key));
                P("key.saddr", offsetof(struct cf_flow_key, saddr));
                P("key.daddr", offsetof(struct cf_flow_key, daddr));
                P("key.sport", offsetof(struct cf_flow_key, sport));
                P("key.dport", offsetof(struct cf_flow_key, dport));
                P("key.proto", offsetof(struct cf_flow_key, proto));
                P("key.dir", offsetof(struct cf_flow_key, dir));
                P("key.family", offsetof(struct cf_flow_key, family));
                P("value.packets", offsetof(struct cf_flow_val, packets));
                P("value.bytes", offsetof(struct cf_flow_val, bytes));
                P("value.first_ns", offsetof(struct cf_flow_val, first_ns));
                P("value.last_ns", offsetof(struct cf_flow_val, last_ns));
                P("value.tcp_flags", offsetof(struct cf_flow_val, tcp_flags));
                P("value.flags", offsetof(struct cf_flow_val, flags));
                P("value.rec_packets", offsetof(struct cf_flow_val, rec_packets));
                P("value.rec_bytes", offsetof(struct cf_flow_val, rec_bytes));
                P("value.size", sizeof(struct cf_flow_val));
                P("stats.size", sizeof(struct cf_stats));
                P("stats.packets", offsetof(struct cf_stats, packets));
                P("stats.non_ip", offsetof(struct cf_stats, non_ip));
                P("stats.new_flows", offsetof(struct cf_stats, new_flows));
                P("stats.rb_fail", offsetof(struct cf_stats, rb_fail));
                P("stats.events", offsetof(struct cf_stats, events));
                P("stats.map_fail", offsetof(struct cf_stats, map_fail));
                P("dir.ingress", CF_DIR_INGRESS);
                P("dir.egress", CF_DIR_EGRESS);
                P("family.v4", CF_FAMILY_V4);
                P("family.v6", CF_FAMILY_V6);
                P("kind.flow_new", CF_EVENT_FLOW_NEW);
                P("decision.allow", CF_DECISION_ALLOW);
                P("decision.deny", CF_DECISION_DENY);
                P("policy.off", CF_POLICY_OFF);
                P("policy.slot_a", CF_POLICY_SLOT_A);
                P("policy.slot_b", CF_POLICY_SLOT_B);
                P("action.allow", CF_ACTION_ALLOW);
                P("action.deny", CF_ACTION_DENY);
                P("policy.rules_per_cidr", CF_POLICY_RULES_PER_CIDR);
                P("policy.port_ranges", CF_POLICY_PORT_RANGES);
                P("policy.max_cidrs", CF_POLICY_MAX_CIDRS);
                P("policy.slot_bits", CF_POLICY_SLOT_BITS);
                P("pkey.v4_size", sizeof(struct cf_policy_key_v4));
                P("pkey.v6_size", sizeof(struct cf_policy_key_v6));
                P("pkey.prefixlen", offsetof(struct cf_policy_key_v4, prefixlen));
                P("pkey.slot", offsetof(struct cf_policy_key_v4, slot));
                P("pkey.addr", offsetof(struct cf_policy_key_v4, addr));
                P("pkey6.slot", offsetof(struct cf_policy_key_v6, slot));
                P("pkey6.addr", offsetof(struct cf_policy_key_v6, addr));
                P("prule.size", sizeof(struct cf_policy_rule));
                P("prule.proto", offsetof(struct cf_policy_rule, proto));
                P("prule.action", offsetof(struct cf_policy_rule, action));
                P("prule.rule_ref", offsetof(struct cf_policy_rule, rule_ref));
                P("prule.nports", offsetof(struct cf_policy_rule, nports));
                P("prule.ports", offsetof(struct cf_policy_rule, ports));
                P("prange.size", sizeof(struct cf_port_range));
                P("prange.lo", offsetof(struct cf_port_range, lo));
                P("prange.hi", offsetof(struct cf_port_range, hi));
                P("pval.size", sizeof(struct cf_policy_val));
                P("pval.nrules", offsetof(struct cf_policy_val, nrules));
                P("pval.rules", offsetof(struct cf_policy_val, rules));
                P("pcfg.size", sizeof(struct cf_policy_cfg));
                P("pcfg.default_action", offsetof(struct cf_policy_cfg, default_action));
                P("pcfg.generation", offsetof(struct cf_policy_cfg, generation));
                P("pctl.size", sizeof(struct cf_policy));
                P("pctl.active", offsetof(struct cf_policy, active));
                P("pctl.generation", offsetof(struct cf_policy, generation));
                P("pstats.size", sizeof(struct cf_policy_stats));
                P("pstats.checked", offsetof(struct cf_policy_stats, checked));
                P("pstats.denied", offsetof(struct cf_policy_stats, denied));
                return 0;
            }
            """;

    @Test
    void javaConstantsMatchTheHeader(@TempDir Path dir) throws Exception {
        Map<String, Long> c = compileAndRun(dir);
        Map<String, Long> java = new HashMap<>();
        java.put("event.size", (long) FlowAbi.Event.SIZE);
        java.put("event.first_ns", (long) FlowAbi.Event.FIRST_NS);
        java.put("event.packets", (long) FlowAbi.Event.PACKETS);
        java.put("event.bytes", (long) FlowAbi.Event.BYTES);
        java.put("event.saddr", (long) FlowAbi.Event.SADDR);
        java.put("event.daddr", (long) FlowAbi.Event.DADDR);
        java.put("event.sport", (long) FlowAbi.Event.SPORT);
        java.put("event.dport", (long) FlowAbi.Event.DPORT);
        java.put("event.proto", (long) FlowAbi.Event.PROTO);
        java.put("event.dir", (long) FlowAbi.Event.DIR);
        java.put("event.family", (long) FlowAbi.Event.FAMILY);
        java.put("event.tcp_flags", (long) FlowAbi.Event.TCP_FLAGS);
        java.put("event.kind", (long) FlowAbi.Event.KIND);
        java.put("event.decision", (long) FlowAbi.Event.DECISION);
        java.put("event.rule_ref", (long) FlowAbi.Event.RULE_REF);
        java.put("event.ifindex", (long) FlowAbi.Event.IFINDEX);
        java.put("key.size", (long) FlowAbi.Key.SIZE);
        java.put("key.saddr", (long) FlowAbi.Key.SADDR);
        java.put("key.daddr", (long) FlowAbi.Key.DADDR);
        java.put("key.sport", (long) FlowAbi.Key.SPORT);
        java.put("key.dport", (long) FlowAbi.Key.DPORT);
        java.put("key.proto", (long) FlowAbi.Key.PROTO);
        java.put("key.dir", (long) FlowAbi.Key.DIR);
        java.put("key.family", (long) FlowAbi.Key.FAMILY);
        java.put("value.packets", (long) FlowAbi.Value.PACKETS);
        java.put("value.bytes", (long) FlowAbi.Value.BYTES);
        java.put("value.first_ns", (long) FlowAbi.Value.FIRST_NS);
        java.put("value.last_ns", (long) FlowAbi.Value.LAST_NS);
        java.put("value.tcp_flags", (long) FlowAbi.Value.TCP_FLAGS);
        java.put("value.flags", (long) FlowAbi.Value.FLAGS);
        java.put("value.rec_packets", (long) FlowAbi.Value.REC_PACKETS);
        java.put("value.rec_bytes", (long) FlowAbi.Value.REC_BYTES);
        java.put("value.size", (long) FlowAbi.Value.SIZE);
        java.put("stats.size", (long) FlowAbi.Stats.SIZE);
        java.put("stats.packets", (long) FlowAbi.Stats.PACKETS);
        java.put("stats.non_ip", (long) FlowAbi.Stats.NON_IP);
        java.put("stats.new_flows", (long) FlowAbi.Stats.NEW_FLOWS);
        java.put("stats.rb_fail", (long) FlowAbi.Stats.RB_FAIL);
        java.put("stats.events", (long) FlowAbi.Stats.EVENTS);
        java.put("stats.map_fail", (long) FlowAbi.Stats.MAP_FAIL);
        java.put("dir.ingress", (long) FlowAbi.DIR_INGRESS);
        java.put("dir.egress", (long) FlowAbi.DIR_EGRESS);
        java.put("family.v4", (long) FlowAbi.FAMILY_V4);
        java.put("family.v6", (long) FlowAbi.FAMILY_V6);
        java.put("kind.flow_new", (long) FlowAbi.EVENT_FLOW_NEW);
        java.put("decision.allow", (long) FlowAbi.DECISION_ALLOW);
        java.put("decision.deny", (long) FlowAbi.DECISION_DENY);
        java.put("policy.off", (long) FlowAbi.POLICY_OFF);
        java.put("policy.slot_a", (long) FlowAbi.POLICY_SLOT_A);
        java.put("policy.slot_b", (long) FlowAbi.POLICY_SLOT_B);
        java.put("action.allow", (long) FlowAbi.ACTION_ALLOW);
        java.put("action.deny", (long) FlowAbi.ACTION_DENY);
        java.put("policy.rules_per_cidr", (long) FlowAbi.POLICY_RULES_PER_CIDR);
        java.put("policy.port_ranges", (long) FlowAbi.POLICY_PORT_RANGES);
        java.put("policy.max_cidrs", (long) FlowAbi.POLICY_MAX_CIDRS);
        java.put("policy.slot_bits", (long) FlowAbi.POLICY_SLOT_BITS);
        java.put("pkey.v4_size", (long) FlowAbi.PolicyKey.V4_SIZE);
        java.put("pkey.v6_size", (long) FlowAbi.PolicyKey.V6_SIZE);
        java.put("pkey.prefixlen", (long) FlowAbi.PolicyKey.PREFIXLEN);
        java.put("pkey.slot", (long) FlowAbi.PolicyKey.SLOT);
        java.put("pkey.addr", (long) FlowAbi.PolicyKey.ADDR);
        java.put("pkey6.slot", (long) FlowAbi.PolicyKey.SLOT);
        java.put("pkey6.addr", (long) FlowAbi.PolicyKey.ADDR);
        java.put("prule.size", (long) FlowAbi.PolicyRule.SIZE);
        java.put("prule.proto", (long) FlowAbi.PolicyRule.PROTO);
        java.put("prule.action", (long) FlowAbi.PolicyRule.ACTION);
        java.put("prule.rule_ref", (long) FlowAbi.PolicyRule.RULE_REF);
        java.put("prule.nports", (long) FlowAbi.PolicyRule.NPORTS);
        java.put("prule.ports", (long) FlowAbi.PolicyRule.PORTS);
        java.put("prange.size", (long) FlowAbi.PolicyRule.PORT_RANGE_SIZE);
        java.put("prange.lo", (long) FlowAbi.PolicyRule.PORT_LO);
        java.put("prange.hi", (long) FlowAbi.PolicyRule.PORT_HI);
        java.put("pval.size", (long) FlowAbi.PolicyValue.SIZE);
        java.put("pval.nrules", (long) FlowAbi.PolicyValue.NRULES);
        java.put("pval.rules", (long) FlowAbi.PolicyValue.RULES);
        java.put("pcfg.size", (long) FlowAbi.PolicyCfg.SIZE);
        java.put("pcfg.default_action", (long) FlowAbi.PolicyCfg.DEFAULT_ACTION);
        java.put("pcfg.generation", (long) FlowAbi.PolicyCfg.GENERATION);
        java.put("pctl.size", (long) FlowAbi.PolicyCtl.SIZE);
        java.put("pctl.active", (long) FlowAbi.PolicyCtl.ACTIVE);
        java.put("pctl.generation", (long) FlowAbi.PolicyCtl.GENERATION);
        java.put("pstats.size", (long) FlowAbi.PolicyStats.SIZE);
        java.put("pstats.checked", (long) FlowAbi.PolicyStats.CHECKED);
        java.put("pstats.denied", (long) FlowAbi.PolicyStats.DENIED);
        assertEquals(java.keySet(), c.keySet());
        for (Map.Entry<String, Long> e : java.entrySet()) {
            assertEquals(c.get(e.getKey()), e.getValue(), "FlowAbi disagrees with bpf/cellflow.h on " + e.getKey());
        }
    }

    /**
     * Golden bytes of the policy structs: the C compiler lays out and fills the keys and values of one policy
     * field by field (padding zeroed by the memset); PolicyTables must produce the same bytes.
     */
    private static final String POLICY_PROGRAM = """
            #include <stdio.h>
            #include <string.h>
            #include "cellflow.h"
            static void hex(const char *name, const void *p, size_t n) {
                printf("%s=", name);
                for (size_t i = 0; i < n; i++) printf("%02x", ((const unsigned char *)p)[i]);
                printf("\\n");
            }
            int main(void) {
                struct cf_policy_key_v4 k4;
                struct cf_policy_key_v6 k6;
                struct cf_policy_val v4, v6;
                memset(&k4, 0, sizeof(k4));
                memset(&k6, 0, sizeof(k6));
                memset(&v4, 0, sizeof(v4));
                memset(&v6, 0, sizeof(v6));
                /* 198.18.1.0/24 in slot B */
                k4.prefixlen = CF_POLICY_SLOT_BITS + 24;
                k4.slot = CF_POLICY_SLOT_B;
                k4.addr[0] = 198; k4.addr[1] = 18; k4.addr[2] = 1;
                /* 2001:2::/64 in slot A */
                k6.prefixlen = CF_POLICY_SLOT_BITS + 64;
                k6.slot = CF_POLICY_SLOT_A;
                k6.addr[0] = 0x20; k6.addr[1] = 0x01; k6.addr[3] = 0x02;
                /* rules 1 and 3 share 198.18.1.0/24 */
                v4.nrules = 2;
                v4.rules[0].proto = 17;
                v4.rules[0].action = CF_ACTION_DENY;
                v4.rules[0].rule_ref = 1;
                v4.rules[0].nports = 2;
                v4.rules[0].ports[0].lo = 7601; v4.rules[0].ports[0].hi = 7601;
                v4.rules[0].ports[1].lo = 8000; v4.rules[0].ports[1].hi = 8080;
                v4.rules[1].proto = 0;
                v4.rules[1].action = CF_ACTION_ALLOW;
                v4.rules[1].rule_ref = 3;
                /* rule 2 */
                v6.nrules = 1;
                v6.rules[0].proto = 6;
                v6.rules[0].action = CF_ACTION_DENY;
                v6.rules[0].rule_ref = 2;
                v6.rules[0].nports = 1;
                v6.rules[0].ports[0].lo = 0; v6.rules[0].ports[0].hi = 1023;
                hex("k4", &k4, sizeof(k4));
                hex("k6", &k6, sizeof(k6));
                hex("v4", &v4, sizeof(v4));
                hex("v6", &v6, sizeof(v6));
                return 0;
            }
            """;

    @Test
    void policyTablesWriteTheBytesTheCompilerLaysOut(@TempDir Path dir) throws Exception {
        Map<String, String> c = new HashMap<>();
        for (String line : compileAndRun(dir, POLICY_PROGRAM).split("\n")) {
            if (!line.isBlank()) {
                String[] kv = line.split("=", 2);
                c.put(kv[0], kv[1].trim());
            }
        }
        io.cellflow.policy.Policy p = io.cellflow.policy.PolicyParser.parse(new com.fasterxml.jackson.databind
                .ObjectMapper().readTree("""
                {"default": "deny", "rules": [
                  {"cidr": "198.18.1.7/24", "protocol": "udp", "ports": ["8000-8080", 7601], "action": "deny"},
                  {"cidr": "2001:2:0:0::/64", "protocol": "tcp", "ports": ["0-1023"], "action": "deny"},
                  {"cidr": "198.18.1.0/24", "action": "allow"}]}
                """), "policy");
        io.cellflow.policy.PolicyTables t = io.cellflow.policy.PolicyTables.of(p);
        java.util.HexFormat hex = java.util.HexFormat.of();
        assertEquals(FlowAbi.ACTION_DENY, t.defaultAction());
        assertEquals(1, t.v4().size(), "rules 1 and 3 share one entry");
        assertEquals(1, t.v6().size());
        assertEquals(c.get("k4"), hex.formatHex(t.v4().get(0).key(FlowAbi.POLICY_SLOT_B)), "cf_policy_key_v4");
        assertEquals(c.get("k6"), hex.formatHex(t.v6().get(0).key(FlowAbi.POLICY_SLOT_A)), "cf_policy_key_v6");
        assertEquals(c.get("v4"), hex.formatHex(t.v4().get(0).value()), "cf_policy_val of 198.18.1.0/24");
        assertEquals(c.get("v6"), hex.formatHex(t.v6().get(0).value()), "cf_policy_val of 2001:2::/64");
    }

    private static Map<String, Long> compileAndRun(Path dir) throws IOException, InterruptedException {
        Map<String, Long> values = new HashMap<>();
        for (String line : compileAndRun(dir, PROGRAM).split("\n")) {
            if (!line.isBlank()) {
                String[] kv = line.split("=", 2);
                values.put(kv[0], Long.parseLong(kv[1].trim()));
            }
        }
        return values;
    }

    private static String compileAndRun(Path dir, String program) throws IOException, InterruptedException {
        Path src = dir.resolve("abi.c");
        Files.writeString(src, program);
        Path bin = dir.resolve("abi");
        Path header = Path.of("bpf").toAbsolutePath();
        run(dir, "cc", "-std=gnu11", "-Wall", "-I" + header, src.toString(), "-o", bin.toString());
        return run(dir, bin.toString());
    }

    private static String run(Path dir, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", cmd) + " timed out");
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + " failed (a C compiler is needed: "
                + "scripts/install-deps.sh):\n" + out);
        return out;
    }
}
