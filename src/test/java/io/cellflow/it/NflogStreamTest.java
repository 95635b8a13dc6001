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
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The nflog backend through the whole service: forced {@code backend=nflog}, UDP and TCP connections opened from
 * either side over IPv4 and IPv6 arrive on the same SSE stream with {@code reason_code: nflog_match}, counts nflog
 * cannot know are omitted, and stop leaves no nft table in the cell.
 */
@QuarkusTest
class NflogStreamTest {
    private static TestNetwork net;

    @TestHTTPResource("/")
    URI base;

    @BeforeAll
    static void network() {
        net = TestNetwork.createOrSkip("privileged nflog tests");
    }

    @AfterAll
    static void teardown() {
        if (net != null) {
            net.close();
        }
    }

    private static Set<String> seen(List<SseClient.Event> events) {
        return events.stream().map(SseClient.Event::flow).collect(Collectors.toSet());
    }

    @Test
    void connectionsBothWaysOverV4AndV6() throws Exception {
        given().contentType(ContentType.JSON)
                .body("{\"netns\":\"" + net.cellNetnsPath() + "\",\"interface\":\"cfc0\",\"backend\":\"nflog\"}")
                .post("/cells/nf-1/monitor").then().statusCode(201);
        try (SseClient sse = new SseClient(base.resolve("/cells/nf-1/flows"))) {
            for (int i = 0; i < 250 && sse.status() == 0; i++) {
                Thread.sleep(20);
            }
            Traffic t = net.traffic();
            Set<String> expected = new HashSet<>();
            for (String[] af : List.of(new String[] {net.cellV4, net.peerV4}, new String[] {net.cellV6, net.peerV6})) {
                String cell = af[0], peer = af[1];
                int u = t.udp(net.cellPath(), cell, net.peerPath(), peer, 7401);
                expected.add(SseClient.flow("egress", "udp", cell, u, peer, 7401));
                int v = t.udp(net.peerPath(), peer, net.cellPath(), cell, 7402);
                expected.add(SseClient.flow("ingress", "udp", peer, v, cell, 7402));
                int c = t.tcp(net.cellPath(), cell, net.peerPath(), peer, 7403);
                expected.add(SseClient.flow("egress", "tcp", cell, c, peer, 7403));
                int p = t.tcp(net.peerPath(), peer, net.cellPath(), cell, 7404);
                expected.add(SseClient.flow("ingress", "tcp", peer, p, cell, 7404));
            }
            assertTrue(sse.await(evs -> seen(evs).containsAll(expected), Duration.ofSeconds(10)),
                    "expected " + expected + "\nseen " + seen(sse.events()));
            for (SseClient.Event e : sse.events()) {
                assertEquals("nflog_match", e.data().path("reason_code").asText());
                assertEquals("flow.opened", e.name());
                assertFalse(e.data().has("packet_count"), "nflog cannot count packets: omitted, not invented");
                assertFalse(e.data().has("byte_count"));
            }
            assertTrue(KernelState.nftTables(net).contains("cellflow_nf_1"));
        } finally {
            given().delete("/cells/nf-1/monitor").then().statusCode(204);
        }
        assertEquals("", KernelState.nftTables(net).strip(), "our table is gone");
    }
}
