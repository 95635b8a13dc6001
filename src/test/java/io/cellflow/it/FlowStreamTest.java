package io.cellflow.it;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * End to end with real kernel objects: a monitor started over REST on a real veth, bounded UDP and TCP traffic
 * both ways over IPv4 and IPv6, the exact flows asserted on the SSE stream, then stop, and proof that no
 * program, link, qdisc, filter or fd is left.
 */
@QuarkusTest
class FlowStreamTest {
    private static TestNetwork net;

    @TestHTTPResource("/")
    URI base;

    @BeforeAll
    static void network() {
        net = TestNetwork.createOrSkip("privileged flow tests");
    }

    @AfterAll
    static void teardown() {
        if (net != null) {
            net.close();
        }
    }

    @Test
    void reportsEveryFlowBothWaysOverV4AndV6ThenLeavesNothingBehind() throws Exception {
        long bpfFdsBefore = KernelState.bpfFds();
        java.util.Set<Long> progsBefore = KernelState.heldPrograms();
        String qdiscsBefore = KernelState.qdiscs(net);
        java.util.Set<Long> programs = java.util.Set.of();

        given().contentType(ContentType.JSON)
                .body("{\"netns\":\"" + net.cellNetnsPath() + "\",\"interface\":\"" + TestNetwork.CELL_IF
                        + "\",\"run_id\":\"run-42\",\"correlation_id\":\"corr-7\",\"keyset_id\":\"ks-1\",\"issuer_kid\":\"kid-9\"}")
                .post("/cells/flow-1/monitor").then().statusCode(201);
        SseClient sse = new SseClient(base.resolve("/cells/flow-1/flows"));
        Set<String> expected = new HashSet<>();
        try {
            assertTrue(awaitClients("flow-1", 1), "the SSE client did not subscribe");
            java.util.Set<Long> ours = new java.util.TreeSet<>(KernelState.heldPrograms());
            ours.removeAll(progsBefore);
            assertEquals(2, ours.size(), "ingress and egress programs loaded: " + ours);
            programs = ours;

            Traffic t = net.traffic();
            for (String[] af : List.of(new String[] {net.cellV4, net.peerV4}, new String[] {net.cellV6, net.peerV6})) {
                String cell = af[0], peer = af[1];
                int u = t.udp(net.cellPath(), cell, net.peerPath(), peer, 7001);
                expected.add(SseClient.flow("egress", "udp", cell, u, peer, 7001));
                expected.add(SseClient.flow("ingress", "udp", peer, 7001, cell, u));
                int c = t.tcp(net.cellPath(), cell, net.peerPath(), peer, 7002);
                expected.add(SseClient.flow("egress", "tcp", cell, c, peer, 7002));
                expected.add(SseClient.flow("ingress", "tcp", peer, 7002, cell, c));
                int p = t.tcp(net.peerPath(), peer, net.cellPath(), cell, 7003);
                expected.add(SseClient.flow("ingress", "tcp", peer, p, cell, 7003));
                expected.add(SseClient.flow("egress", "tcp", cell, 7003, peer, p));
            }

            boolean all = sse.await(evs -> seen(evs).containsAll(expected), Duration.ofSeconds(10));
            Set<String> seen = seen(sse.events());
            Set<String> missing = new HashSet<>(expected);
            missing.removeAll(seen);
            assertTrue(all, "flows missing from the stream: " + missing + "\nseen: " + seen);

            // every event is well-formed, stamped and sequenced; each flow is opened once
            List<String> flows = new ArrayList<>();
            long lastId = 0;
            for (SseClient.Event e : sse.events()) {
                assertTrue(Set.of("flow.opened", "flow.updated").contains(e.name()), e.name());
                long id = Long.parseLong(e.id());
                assertTrue(id > lastId, "ids increase");
                lastId = id;
                assertEquals("1.0.0", e.data().path("schema_version").asText());
                assertEquals("flow-1", e.data().path("cell_id").asText());
                assertEquals("run-42", e.data().path("run_id").asText());
                assertEquals("corr-7", e.data().path("correlation_id").asText());
                assertEquals("ks-1", e.data().path("keyset_id").asText());
                assertEquals("kid-9", e.data().path("issuer_kid").asText());
                assertEquals("ebpf_tc", e.data().path("reason_code").asText());
                assertEquals("allow", e.data().path("decision").asText());
                assertTrue(e.data().path("packet_count").asLong() >= 1);
                assertTrue(e.data().path("byte_count").asLong() > 0);
                assertTrue(e.data().path("observed_at").asText().endsWith("Z"));
                if ("flow.opened".equals(e.name())) {
                    flows.add(e.flow());
                }
            }
            // one snapshot: a drain may append flow.updated events while we count
            List<SseClient.Event> got = List.copyOf(sse.events());
            Set<String> uniqueDecisionIds = got.stream().map(e -> e.data().path("decision_id").asText())
                    .collect(Collectors.toSet());
            assertEquals(got.size(), uniqueDecisionIds.size(), "decision_id unique per event");
            for (String f : expected) {
                assertEquals(1, flows.stream().filter(f::equals).count(), "opened once: " + f);
            }
            given().get("/cells/flow-1/monitor").then().statusCode(200)
                    .body("counters.ring_buffer_losses", org.hamcrest.Matchers.equalTo(0));
        } finally {
            given().delete("/cells/flow-1/monitor").then().statusCode(204);
            assertTrue(sse.awaitEnd(Duration.ofSeconds(5)), "the stream ends when the monitor stops");
            sse.close();
        }
        Set<String> closed = sse.events().stream().filter(e -> "flow.closed".equals(e.name()))
                .map(SseClient.Event::flow).collect(Collectors.toSet());
        assertTrue(closed.containsAll(expected), "stop closes every open flow before the stream ends: " + closed);

        for (long id : programs) {
            assertTrue(KernelState.programUnloaded(id), "program " + id + " unloaded from the kernel");
        }
        assertEquals(bpfFdsBefore, KernelState.bpfFds(), "no BPF fd (program, map, link) left in this process");
        assertEquals(qdiscsBefore, KernelState.qdiscs(net), "no qdisc added or removed");
        assertFalse(KernelState.filters(net).contains("bpf"), "no tc filter left");
        assertTrue(TestNetwork.sh("ip", "-n", net.cellNs, "link", "show", TestNetwork.CELL_IF).contains("UP"),
                "the cell's interface is untouched");
    }

    @Test
    void severalClientsGetTheSameEvents() throws Exception {
        given().contentType(ContentType.JSON)
                .body("{\"netns\":\"" + net.cellNetnsPath() + "\",\"interface\":\"" + TestNetwork.CELL_IF + "\"}")
                .post("/cells/flow-2/monitor").then().statusCode(201);
        try (SseClient a = new SseClient(base.resolve("/cells/flow-2/flows"));
                SseClient b = new SseClient(base.resolve("/cells/flow-2/flows"))) {
            assertTrue(awaitClients("flow-2", 2));
            int port = net.traffic().udp(net.cellPath(), net.cellV4, net.peerPath(), net.peerV4, 7101);
            String f = SseClient.flow("egress", "udp", net.cellV4, port, net.peerV4, 7101);
            assertTrue(a.await(evs -> seen(evs).contains(f), Duration.ofSeconds(5)), "client a: " + seen(a.events()));
            assertTrue(b.await(evs -> seen(evs).contains(f), Duration.ofSeconds(5)), "client b: " + seen(b.events()));
        } finally {
            given().delete("/cells/flow-2/monitor").then().statusCode(204);
        }
    }

    private static Set<String> seen(List<SseClient.Event> events) {
        return events.stream().filter(e -> e.data().has("direction")).map(SseClient.Event::flow)
                .collect(Collectors.toSet());
    }

    private static boolean awaitClients(String cell, int n) throws InterruptedException {
        for (int i = 0; i < 250; i++) {
            int clients = given().get("/cells/" + cell + "/monitor").then().extract().path("counters.clients");
            if (clients >= n) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }
}
