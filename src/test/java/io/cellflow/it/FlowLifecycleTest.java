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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A flow's whole life over real kernel counters: opened once, updated with deltas that, with the open's counts, add
 * up to the closed totals, closed after FIN, and the totals of every flow reconcile byte for byte with the veth's own
 * interface counters.
 */
@QuarkusTest
@TestProfile(FlowLifecycleProfile.class)
class FlowLifecycleTest {
    private static final Logger LOG = Logger.getLogger(FlowLifecycleTest.class);
    private static TestNetwork net;

    @TestHTTPResource("/")
    URI base;

    @BeforeAll
    static void network() {
        net = TestNetwork.createOrSkip("privileged lifecycle tests");
        net.quiet();
    }

    @AfterAll
    static void teardown() {
        if (net != null) {
            net.close();
        }
    }

    @Test
    void countersReconcileWithTheInterface() throws Exception {
        given().contentType(ContentType.JSON)
                .body("{\"netns\":\"" + net.cellNetnsPath() + "\",\"interface\":\"cfc0\"}")
                .post("/cells/life-1/monitor").then().statusCode(201);
        SseClient sse = new SseClient(base.resolve("/cells/life-1/flows"));
        long[] before;
        long[] after;
        String egress;
        try {
            for (int i = 0; i < 250 && sse.status() == 0; i++) {
                Thread.sleep(20);
            }
            before = net.cellByteCounters();
            Traffic t = net.traffic();
            int port = t.tcpBulk(net.cellPath(), net.cellV4, net.peerPath(), net.peerV4, 7701, 2_000_000);
            t.udp(net.cellPath(), net.cellV4, net.peerPath(), net.peerV4, 7702);
            egress = "egress tcp " + net.cellV4 + ":" + port + ">" + net.peerV4 + ":7701";
            String ingress = "ingress tcp " + net.peerV4 + ":7701>" + net.cellV4 + ":" + port;

            // step: the TCP flows close on their own after FIN, before the monitor stops
            assertTrue(sse.await(evs -> evs.stream().filter(e -> "flow.closed".equals(e.name()))
                    .map(SseClient.Event::flow).toList().containsAll(List.of(egress, ingress)),
                    Duration.ofSeconds(10)), "TCP flows closed after FIN: " + sse.events().size() + " events");
            after = net.cellByteCounters();
        } finally {
            given().delete("/cells/life-1/monitor").then().statusCode(204);
            assertTrue(sse.awaitEnd(Duration.ofSeconds(5)));
            sse.close();
        }

        // step: per flow, opened once, its opened and updated counts add up to the close, and closes once
        Map<String, long[]> updates = new HashMap<>(); // key -> [packets, bytes] of the open and the updates
        Map<String, long[]> closes = new HashMap<>();
        Map<String, Integer> opens = new HashMap<>();
        for (SseClient.Event e : sse.events()) {
            String k = e.flow();
            long[] pb = {e.data().path("packet_count").asLong(), e.data().path("byte_count").asLong()};
            switch (e.name()) {
                case "flow.opened" -> {
                    opens.merge(k, 1, Integer::sum);
                    updates.merge(k, pb, (a, b) -> new long[] {a[0] + b[0], a[1] + b[1]});
                }
                case "flow.updated" -> updates.merge(k, pb, (a, b) -> new long[] {a[0] + b[0], a[1] + b[1]});
                case "flow.closed" -> assertTrue(closes.put(k, pb) == null, "closed once: " + k);
                default -> throw new AssertionError("unexpected event " + e.name());
            }
        }
        assertEquals(opens.keySet(), closes.keySet(), "every opened flow closes, nothing closes unopened");
        opens.forEach((k, n) -> assertEquals(1, n, "opened once: " + k));
        closes.forEach((k, total) -> {
            long[] sum = updates.getOrDefault(k, new long[2]);
            assertEquals(total[0], sum[0], "packets of " + k);
            assertEquals(total[1], sum[1], "bytes of " + k);
        });
        assertTrue(closes.get(egress)[1] > 2_000_000, "the bulk transfer's bytes are there");

        // step: the flows' totals are the interface's own counters
        long egressBytes = 0;
        long ingressBytes = 0;
        for (Map.Entry<String, long[]> c : closes.entrySet()) {
            if (c.getKey().startsWith("egress")) {
                egressBytes += c.getValue()[1];
            } else {
                ingressBytes += c.getValue()[1];
            }
        }
        long tx = after[1] - before[1];
        long rx = after[0] - before[0];
        LOG.infof("byte reconciliation: egress reported %d, interface tx %d; ingress reported %d, interface rx %d",
                egressBytes, tx, ingressBytes, rx);
        assertEquals(tx, egressBytes, "egress bytes reported vs veth tx_bytes");
        assertEquals(rx, ingressBytes, "ingress bytes reported vs veth rx_bytes");
        int unique = opens.size();
        assertTrue(unique >= 4, "tcp and udp, both ways");
    }
}
