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
        assertEquals(java.keySet(), c.keySet());
        for (Map.Entry<String, Long> e : java.entrySet()) {
            assertEquals(c.get(e.getKey()), e.getValue(), "FlowAbi disagrees with bpf/cellflow.h on " + e.getKey());
        }
    }

    private static Map<String, Long> compileAndRun(Path dir) throws IOException, InterruptedException {
        Path src = dir.resolve("abi.c");
        Files.writeString(src, PROGRAM);
        Path bin = dir.resolve("abi");
        Path header = Path.of("bpf").toAbsolutePath();
        run(dir, "cc", "-std=gnu11", "-Wall", "-I" + header, src.toString(), "-o", bin.toString());
        String out = run(dir, bin.toString());
        Map<String, Long> values = new HashMap<>();
        for (String line : out.split("\n")) {
            if (!line.isBlank()) {
                String[] kv = line.split("=", 2);
                values.put(kv[0], Long.parseLong(kv[1].trim()));
            }
        }
        return values;
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
