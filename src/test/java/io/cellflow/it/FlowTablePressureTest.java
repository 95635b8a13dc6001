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
 * The early drain: with the periodic drain an hour away, a cell that reports more new flows than half its table
 * is drained anyway, so two bursts that together exceed the table all fit.
 */
@QuarkusTest
@TestProfile(TinyFlowTablePressureProfile.class)
class FlowTablePressureTest {
    private static TestNetwork net;

    @TestHTTPResource("/")
    URI base;

    @BeforeAll
    static void network() {
        net = TestNetwork.createOrSkip("privileged flow-table tests");
        net.quiet();
    }

    @AfterAll
    static void teardown() {
        if (net != null) {
            net.close();
        }
    }

    /** Flow-table entries drained so far by every cell ({@code cellflow_drain_entries_total}). */
    private static double drainedEntries() {
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        java.util.regex.Matcher m = java.util.regex.Pattern
                .compile("(?m)^cellflow_drain_entries_total(?:\\{[^}]*})? (\\S+)$").matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    @Test
    void anEarlyDrainMakesRoomBeforeTheTableFills() throws Exception {
        int burst = TinyFlowTableProfile.ENTRIES * 5 / 8; // past half the table; two of them overfill it
        given().contentType(ContentType.JSON)
                .body("{\"netns\":\"" + net.cellNetnsPath() + "\",\"interface\":\"cfc0\"}")
                .post("/cells/press-1/monitor").then().statusCode(201);
        SseClient sse = new SseClient(base.resolve("/cells/press-1/flows"));
        try {
            for (int i = 0; i < 250 && sse.status() == 0; i++) {
                Thread.sleep(20);
            }
            Traffic t = net.traffic();
            double drainedBefore = drainedEntries();
            int first = t.udpToPorts(net.cellPath(), net.cellV4, net.peerV4, 7900, burst);

            // step: only an early drain can empty the table here (the periodic one is an hour away); one-packet
            // flows get no flow.updated, so the drain's own counter says it ran
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (drainedEntries() - drainedBefore < burst && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(drainedEntries() - drainedBefore >= burst, "an early drain ran: "
                    + (drainedEntries() - drainedBefore) + " entries drained");

            int second = t.udpToPorts(net.cellPath(), net.cellV4, net.peerV4, 7900 + burst, burst);
            assertTrue(sse.await(evs -> FlowTableFullTest.ours(evs, net, first).size() == burst
                    && FlowTableFullTest.ours(evs, net, second).size() == burst, Duration.ofSeconds(10)),
                    "every flow of both bursts is reported: " + FlowTableFullTest.ours(sse.events(), net, first).size()
                            + " + " + FlowTableFullTest.ours(sse.events(), net, second).size());
            assertEquals(0, given().get("/cells/press-1/monitor").then().statusCode(200).extract().jsonPath()
                    .getLong("counters.flow_table_full_packets"), "the table never refused a flow");
            List<SseClient.Event> lost = sse.events().stream().filter(e -> "lost".equals(e.name())).toList();
            assertTrue(lost.isEmpty(), "no gap: " + lost);
        } finally {
            given().delete("/cells/press-1/monitor").then().statusCode(204);
            assertTrue(sse.awaitEnd(Duration.ofSeconds(5)));
            sse.close();
        }
    }
}
