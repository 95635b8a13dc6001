package io.cellflow.it;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code attach-mode: tcx}: two TCX links, no qdisc, events flow, and stop leaves no link behind. */
@QuarkusTest
@TestProfile(TcxAttachProfile.class)
class TcxAttachTest {
    private TestNetwork net;

    @TestHTTPResource("/")
    URI base;

    @BeforeEach
    void network() {
        net = TestNetwork.createOrSkip("privileged TCX tests");
    }

    @AfterEach
    void teardown() {
        if (net != null) {
            net.close();
        }
    }

    @Test
    void attachesTwoLinksAndStopDetachesThem() throws Exception {
        given().contentType(ContentType.JSON)
                .body("{\"netns\":\"" + net.cellNetnsPath() + "\",\"interface\":\"" + TestNetwork.CELL_IF + "\"}")
                .post("/cells/tcx-1/monitor").then().statusCode(201).body("attach_mode", equalTo("tcx"));
        try (SseClient sse = new SseClient(base.resolve("/cells/tcx-1/flows"))) {
            assertEquals(2, KernelState.heldLinks("tcx"), "a TCX link per direction");
            assertFalse(KernelState.qdiscs(net).contains("clsact"), "TCX needs no qdisc");
            for (int i = 0; i < 250 && sse.status() == 0; i++) {
                Thread.sleep(20);
            }
            int port = net.traffic().udp(net.cellPath(), net.cellV4, net.peerPath(), net.peerV4, 7301);
            assertTrue(sse.await(evs -> evs.stream().anyMatch(e -> e.data().path("src_port").asInt() == port
                    && "egress".equals(e.data().path("direction").asText())), Duration.ofSeconds(10)),
                    "egress udp flow from port " + port);
        } finally {
            given().delete("/cells/tcx-1/monitor").then().statusCode(204);
        }
        assertEquals(0, KernelState.heldLinks("tcx"), "links closed");
        assertFalse(KernelState.filters(net).contains("bpf"));
    }
}
