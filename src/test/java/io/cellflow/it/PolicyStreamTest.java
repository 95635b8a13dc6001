package io.cellflow.it;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Per-cell egress policy end to end on both backends, with real packets: a denied UDP datagram never reaches the
 * peer and shows up as a deny event naming its rule; allowed traffic flows and is reported as before; the longest
 * CIDR decides without falling through to a shorter one; a PUT replaces the policy live (same run, same stream, its
 * sequence going on) and traffic follows the new policy at once; a malformed PUT changes nothing.
 */
@QuarkusTest
class PolicyStreamTest {
    private static TestNetwork net;

    @TestHTTPResource("/")
    URI base;

    @BeforeAll
    static void network() {
        net = TestNetwork.createOrSkip("privileged policy tests");
    }

    @AfterAll
    static void teardown() {
        if (net != null) {
            net.close();
        }
    }

    @Test
    void ebpfDropsReportsAndReplacesLive() throws Exception {
        long fdsBefore = KernelState.bpfFds();
        scenario("pol-ebpf", "ebpf", "ebpf_tc", "ebpf_tc_drop");
        assertEquals(fdsBefore, KernelState.bpfFds(), "no BPF fd left after stop");
    }

    @Test
    void nflogDropsReportsAndReplacesLive() throws Exception {
        scenario("pol-nflog", "nflog", "nflog_match", "nflog_match");
        assertEquals("", KernelState.nftTables(net).strip(), "our table is gone");
    }

    private static String rule(String cidr, String protocol, String ports, String action) {
        return "{\"cidr\":\"" + cidr + "\"" + (protocol == null ? "" : ",\"protocol\":\"" + protocol + "\"")
                + (ports == null ? "" : ",\"ports\":[" + ports + "]") + ",\"action\":\"" + action + "\"}";
    }

    private static String policy(String dflt, String... rules) {
        return "{\"default\":\"" + dflt + "\",\"rules\":[" + String.join(",", rules) + "]}";
    }

    private void scenario(String cell, String backend, String allowReason, String denyReason) throws Exception {
        String subnet = net.peerV4.substring(0, net.peerV4.lastIndexOf('.')) + ".0/24";
        String initial = policy("allow",
                rule(net.peerV4 + "/32", "udp", "7601", "deny"), // rule:1
                rule(net.peerV6 + "/128", "udp", "\"7600-7601\"", "deny"), // rule:2
                // rule:3 also contains the peer, but the /32 above is longer: 7602 falls to the default (allow)
                rule(subnet, null, null, "deny"));
        String d1 = given().contentType(ContentType.JSON)
                .body("{\"netns\":\"" + net.cellNetnsPath() + "\",\"interface\":\"" + TestNetwork.CELL_IF
                        + "\",\"backend\":\"" + backend + "\",\"run_id\":\"" + cell + "-run\",\"policy\":" + initial
                        + "}")
                .post("/cells/" + cell + "/monitor").then().statusCode(201)
                .body("backend", equalTo(backend)).extract().path("policy_digest");
        assertTrue(d1 != null && d1.matches("sha256:[0-9a-f]{64}"), "digest in the start response: " + d1);
        String startedAt = given().get("/cells/" + cell + "/monitor").then().extract().path("started_at");
        SseClient sse = new SseClient(base.resolve("/cells/" + cell + "/flows"));
        try {
            assertTrue(awaitClients(cell), "the SSE client did not subscribe");
            Traffic t = net.traffic();

            // step: denied (v4 and v6) never arrive and are reported with their rule
            int p1 = t.udpUndelivered(net.cellPath(), net.cellV4, net.peerPath(), net.peerV4, 7601);
            JsonNode deny4 = await(sse, "egress udp " + net.cellV4 + ":" + p1 + ">" + net.peerV4 + ":7601", "deny");
            assertEquals(denyReason, deny4.path("reason_code").asText());
            assertEquals("rule:1", deny4.path("nft_rule_ref").asText());
            assertEquals(d1, deny4.path("policy_digest").asText());
            int p2 = t.udpUndelivered(net.cellPath(), net.cellV6, net.peerPath(), net.peerV6, 7601);
            JsonNode deny6 = await(sse, "egress udp " + net.cellV6 + ":" + p2 + ">" + net.peerV6 + ":7601", "deny");
            assertEquals("rule:2", deny6.path("nft_rule_ref").asText());

            // step: allowed traffic works and is reported as before, with the digest
            int p3 = t.udp(net.cellPath(), net.cellV4, net.peerPath(), net.peerV4, 7602);
            JsonNode allow = await(sse, "egress udp " + net.cellV4 + ":" + p3 + ">" + net.peerV4 + ":7602", "allow");
            assertEquals(allowReason, allow.path("reason_code").asText());
            assertFalse(allow.has("nft_rule_ref"));
            assertEquals(d1, allow.path("policy_digest").asText());
            given().get("/cells/" + cell + "/monitor").then().statusCode(200)
                    .body("policy_digest", equalTo(d1))
                    .body("denied_packets", org.hamcrest.Matchers.greaterThanOrEqualTo(2));

            // step: a malformed policy is refused naming the member, and changes nothing
            given().contentType(ContentType.JSON).body(policy("allow", rule("198.18.0.0/33", null, null, "deny")))
                    .put("/cells/" + cell + "/policy").then().statusCode(400)
                    .contentType("application/problem+json")
                    .body("field", equalTo("policy.rules[0].cidr")).body("cell_id", equalTo(cell));
            given().get("/cells/" + cell + "/monitor").then().body("policy_digest", equalTo(d1));
            long lastBefore = lastId(sse);

            // step: replace live: 7601 allowed now
            String d2 = given().contentType(ContentType.JSON)
                    .body(policy("allow", rule(net.peerV4, "udp", "7601", "allow")))
                    .put("/cells/" + cell + "/policy").then().statusCode(200)
                    .body("cell_id", equalTo(cell))
                    .body("policy.default", equalTo("allow"))
                    .body("policy.rules[0].cidr", equalTo(net.peerV4 + "/32"))
                    .body("policy.rules[0].ports[0]", equalTo("7601"))
                    .extract().path("policy_digest");
            assertNotEquals(d1, d2);
            int p4 = t.udp(net.cellPath(), net.cellV4, net.peerPath(), net.peerV4, 7601);
            JsonNode now = await(sse, "egress udp " + net.cellV4 + ":" + p4 + ">" + net.peerV4 + ":7601", "allow");
            assertEquals(d2, now.path("policy_digest").asText());
            assertEquals(cell + "-run", now.path("run_id").asText(), "same run: the monitor was not restarted");
            given().get("/cells/" + cell + "/monitor").then().statusCode(200)
                    .body("policy_digest", equalTo(d2)).body("started_at", equalTo(startedAt))
                    .body("state", equalTo("running"));

            // step: default deny: only the allowed port passes; the rest is denied by "default"
            given().contentType(ContentType.JSON)
                    .body(policy("deny", rule(net.peerV4 + "/32", "udp", "7602", "allow")))
                    .put("/cells/" + cell + "/policy").then().statusCode(200);
            t.udp(net.cellPath(), net.cellV4, net.peerPath(), net.peerV4, 7602);
            int p5 = t.udpUndelivered(net.cellPath(), net.cellV4, net.peerPath(), net.peerV4, 7603);
            JsonNode byDefault = await(sse, "egress udp " + net.cellV4 + ":" + p5 + ">" + net.peerV4 + ":7603",
                    "deny");
            assertEquals("default", byDefault.path("nft_rule_ref").asText());

            // the one stream went on: ids rise across the replaces, nothing ended it
            long prev = 0;
            for (SseClient.Event e : sse.events()) {
                long id = Long.parseLong(e.id());
                assertTrue(id > prev, "ids increase: " + id + " after " + prev);
                prev = id;
                assertEquals(cell + "-run", e.data().path("run_id").asText());
            }
            assertTrue(prev > lastBefore, "events after the replace continue the sequence");
            assertFalse(sse.awaitEnd(Duration.ZERO), "the stream did not end");
        } finally {
            given().delete("/cells/" + cell + "/monitor").then().statusCode(204);
            sse.close();
        }
    }

    private static long lastId(SseClient sse) {
        List<SseClient.Event> evs = sse.events();
        return evs.isEmpty() ? 0 : Long.parseLong(evs.get(evs.size() - 1).id());
    }

    /** The event of that flow with that decision, waiting up to 10 s for it. */
    private static JsonNode await(SseClient sse, String flow, String decision) throws InterruptedException {
        assertTrue(sse.await(evs -> find(evs, flow, decision).isPresent(), Duration.ofSeconds(10)),
                "no " + decision + " event for " + flow + "; seen: " + sse.events().stream()
                        .map(e -> SseClient.flow(e.data()) + " " + e.data().path("decision").asText()).toList());
        return find(sse.events(), flow, decision).orElseThrow();
    }

    private static Optional<JsonNode> find(List<SseClient.Event> evs, String flow, String decision) {
        return evs.stream().map(SseClient.Event::data)
                .filter(d -> flow.equals(SseClient.flow(d)) && decision.equals(d.path("decision").asText())).findFirst();
    }

    private static boolean awaitClients(String cell) throws InterruptedException {
        for (int i = 0; i < 250; i++) {
            int clients = given().get("/cells/" + cell + "/monitor").then().extract().path("counters.clients");
            if (clients >= 1) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }
}
