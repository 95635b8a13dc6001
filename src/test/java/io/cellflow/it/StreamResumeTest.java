package io.cellflow.it;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operator's stream over real kernel events: resume with Last-Event-ID (exactly the missed events, or a
 * {@code lost} count when they fell out of the buffer), filters, the all-cells stream, the non-blocking recent
 * list and heartbeats.
 */
@QuarkusTest
@TestProfile(StreamProfile.class)
class StreamResumeTest {
    private static TestNetwork net;

    @TestHTTPResource("/")
    URI base;

    @BeforeAll
    static void network() {
        net = TestNetwork.createOrSkip("privileged stream tests");
        // IPv6 off: router solicitations, MLD reports and neighbour discovery are flows too, and a few of them
        // landing between the sequence numbers read below overflow the 6-event replay buffer at random
        net.quiet();
    }

    @AfterAll
    static void teardown() {
        if (net != null) {
            net.close();
        }
    }

    private static List<Long> ids(SseClient c) {
        return c.events().stream().filter(e -> e.id() != null).map(e -> Long.parseLong(e.id())).toList();
    }

    private static long lastSequence(String cell) {
        List<Object> ids = given().queryParam("limit", 1).get("/cells/" + cell + "/flows/recent").then()
                .statusCode(200).extract().path("decision_id");
        String id = (String) ids.get(0);
        return Long.parseLong(id.substring(id.lastIndexOf('-') + 1));
    }

    @Test
    void resumeFilterAllCellsRecentAndHeartbeat() throws Exception {
        given().contentType(ContentType.JSON)
                .body("{\"netns\":\"" + net.cellNetnsPath() + "\",\"interface\":\"cfc0\"}")
                .post("/cells/s-1/monitor").then().statusCode(201);
        Traffic t = net.traffic();
        try (SseClient all = new SseClient(base.resolve("/flows?protocol=udp"));
                SseClient filtered = new SseClient(base.resolve("/cells/s-1/flows?direction=egress&port=7302"))) {
            awaitClients(2);
            t.udp(net.cellPath(), net.cellV4, net.peerPath(), net.peerV4, 7301);
            t.udp(net.cellPath(), net.cellV4, net.peerPath(), net.peerV4, 7302);
            long k = lastSequence("s-1");

            // step: a client that saw up to k reconnects after two more flows: it gets exactly those after k
            int p3 = t.udp(net.cellPath(), net.cellV4, net.peerPath(), net.peerV4, 7303);
            long end = lastSequence("s-1");
            try (SseClient resumed = new SseClient(base.resolve("/cells/s-1/flows"), Long.toString(k))) {
                assertTrue(resumed.await(evs -> ids(resumed).contains(end), Duration.ofSeconds(5)));
                List<Long> expected = java.util.stream.LongStream.rangeClosed(k + 1, end).boxed().toList();
                // (later events may follow: the prefix is what is asserted)
                List<Long> got = ids(resumed);
                assertEquals(expected, got.subList(0, Math.min(expected.size(), got.size())),
                        "exactly the events after " + k + ": " + resumed.events());
                assertTrue(resumed.events().stream().anyMatch(e -> e.data().path("src_port").asInt() == p3
                        && e.data().path("dst_port").asInt() == 7303));
            }

            // step: resuming from 0 with a 6-event buffer: first a lost notice counting what fell out
            for (int port = 7310; port < 7314; port++) { // at least 14 events now: more than the buffer holds
                t.udp(net.cellPath(), net.cellV4, net.peerPath(), net.peerV4, port);
            }
            try (SseClient old = new SseClient(base.resolve("/cells/s-1/flows?since=0"))) {
                assertTrue(old.await(evs -> ids(old).size() >= 6, Duration.ofSeconds(5)));
                SseClient.Event first = old.events().get(0);
                assertEquals("lost", first.name());
                assertEquals("replay_buffer", first.data().path("cause").asText());
                long firstReplayed = ids(old).get(0);
                assertEquals(firstReplayed - 1, first.data().path("missed").asLong(), "1.." + (firstReplayed - 1));
                assertEquals(java.util.stream.LongStream.range(firstReplayed, firstReplayed + 6).boxed().toList(),
                        ids(old).subList(0, 6), "then the six buffered events in order");
                assertTrue(old.await(evs -> old.comments() > 0, Duration.ofSeconds(3)), "heartbeat comment");
            }

            // step: filters and the all-cells stream
            assertTrue(filtered.await(evs -> !evs.isEmpty(), Duration.ofSeconds(5)));
            for (SseClient.Event e : filtered.events()) {
                assertEquals("egress", e.data().path("direction").asText());
                assertEquals(7302, e.data().path("dst_port").asInt(), "only port 7302 passes: " + e.data());
            }
            assertTrue(all.await(evs -> evs.stream().anyMatch(e -> e.data().path("dst_port").asInt() == 7303),
                    Duration.ofSeconds(5)));
            for (SseClient.Event e : all.events()) {
                assertEquals("udp", e.data().path("protocol").asText());
                assertTrue(e.id().startsWith("s-1:"), e.id());
            }

            // step: recent is bounded by the buffer and answers at once
            assertEquals(2, given().queryParam("limit", 2).get("/cells/s-1/flows/recent").then().statusCode(200)
                    .extract().jsonPath().getList("$").size());
            given().queryParam("limit", 0).get("/cells/s-1/flows/recent").then().statusCode(400);
            given().queryParam("port", "99999").get("/cells/s-1/flows").then().statusCode(400);
            given().header("Last-Event-ID", "abc").get("/cells/s-1/flows").then().statusCode(400);
        } finally {
            given().delete("/cells/s-1/monitor").then().statusCode(204);
        }
    }

    private static void awaitClients(int n) throws InterruptedException {
        for (int i = 0; i < 250; i++) {
            String body = given().get("/q/metrics").then().extract().asString();
            if (body.contains("cellflow_sse_clients " + n + ".0")) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("clients did not connect");
    }
}
