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
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A cell opens three times as many flows as its flow table holds, with no drain in between: the table refuses
 * the rest, and that is no silent gap. The stream carries {@code lost} notices with cause {@code flow_table_full}
 * accounting for every packet not counted, the monitor's counter and the Prometheus metric say so, and the flows
 * that fit are reported from open to close.
 */
@QuarkusTest
@TestProfile(TinyFlowTableProfile.class)
class FlowTableFullTest {
    private static final Pattern METRIC = Pattern.compile("(?m)^cellflow_flow_table_full_total(?:\\{[^}]*\\})? (\\S+)$");
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
    void aFullTableIsReportedInBand() throws Exception {
        int flows = 3 * TinyFlowTableProfile.ENTRIES;
        int firstPort = 7800;
        given().contentType(ContentType.JSON)
                .body("{\"netns\":\"" + net.cellNetnsPath() + "\",\"interface\":\"cfc0\"}")
                .post("/cells/full-1/monitor").then().statusCode(201);
        SseClient sse = new SseClient(base.resolve("/cells/full-1/flows"));
        Set<String> opened;
        int clientPort;
        try {
            for (int i = 0; i < 250 && sse.status() == 0; i++) {
                Thread.sleep(20);
            }
            clientPort = net.traffic().udpToPorts(net.cellPath(), net.cellV4, net.peerV4, firstPort, flows);
            int port = clientPort;

            // step: every datagram is either a reported flow or a packet a lost notice accounts for
            assertTrue(sse.await(evs -> ours(evs, net, port).size() + missed(evs) >= flows, Duration.ofSeconds(10)),
                    "opened " + ours(sse.events(), net, port).size() + " + lost " + missed(sse.events()) + " of " + flows);
            opened = ours(sse.events(), net, port);
            assertTrue(!opened.isEmpty() && opened.size() <= TinyFlowTableProfile.ENTRIES,
                    "the flows that fit are reported: " + opened.size());
            assertTrue(missed(sse.events()) > 0, "the refused ones are a lost notice");

            // step: the monitor's counter and the metric
            long counted = given().get("/cells/full-1/monitor").then().statusCode(200).extract().jsonPath()
                    .getLong("counters.flow_table_full_packets");
            assertTrue(counted >= flows - opened.size(), "flow_table_full_packets " + counted);
            Matcher m = METRIC.matcher(given().get("/q/metrics").then().statusCode(200).extract().asString());
            assertTrue(m.find(), "cellflow_flow_table_full_total is exported");
            assertTrue(Double.parseDouble(m.group(1)) >= flows - opened.size(), "metric " + m.group(1));
        } finally {
            given().delete("/cells/full-1/monitor").then().statusCode(204);
            assertTrue(sse.awaitEnd(Duration.ofSeconds(5)));
            sse.close();
        }

        // step: the flows that fit close with their one packet
        List<SseClient.Event> closed = sse.events().stream().filter(e -> "flow.closed".equals(e.name()))
                .filter(e -> opened.contains(e.flow())).toList();
        assertEquals(opened.size(), closed.size(), "every reported flow closes");
        closed.forEach(e -> assertEquals(1, e.data().path("packet_count").asLong(), e.flow()));
    }

    /** The flows opened so far of the datagrams the cell sent from {@code clientPort} to its peer. */
    static Set<String> ours(List<SseClient.Event> events, TestNetwork net, int clientPort) {
        String prefix = "egress udp " + net.cellV4 + ":" + clientPort + ">" + net.peerV4 + ":";
        return events.stream().filter(e -> "flow.opened".equals(e.name())).map(SseClient.Event::flow)
                .filter(f -> f.startsWith(prefix)).collect(Collectors.toSet());
    }

    /** Packets the lost notices of cause flow_table_full account for. */
    static long missed(List<SseClient.Event> events) {
        return events.stream().filter(e -> "lost".equals(e.name()))
                .filter(e -> "flow_table_full".equals(e.data().path("cause").asText()))
                .mapToLong(e -> e.data().path("missed").asLong()).sum();
    }
}
