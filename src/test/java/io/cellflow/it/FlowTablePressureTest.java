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
            int first = t.udpToPorts(net.cellPath(), net.cellV4, net.peerV4, 7900, burst);

            // step: only an early drain can produce flow.updated here
            assertTrue(sse.await(evs -> evs.stream().anyMatch(e -> "flow.updated".equals(e.name())
                    && e.flow().startsWith("egress udp " + net.cellV4 + ":" + first + ">")), Duration.ofSeconds(10)),
                    "an early drain ran");

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
