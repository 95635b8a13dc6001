package io.cellflow.it;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cellflow.bpf.TcClsactFilter;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code attach-mode: auto} (the default) takes TCX links when the kernel refuses our tc filter: here another
 * filter holds our priority, as a stale one of a killed cellflow would. The other filter stays untouched.
 */
@QuarkusTest
class AutoAttachTest {
    private TestNetwork net;

    @TestHTTPResource("/")
    URI base;

    @BeforeEach
    void network() {
        net = TestNetwork.createOrSkip("privileged attach tests");
    }

    @AfterEach
    void teardown() {
        if (net != null) {
            net.close();
        }
    }

    @Test
    void fallsBackToTcxWhenOurTcSlotIsTaken() throws Exception {
        TestNetwork.sh("ip", "netns", "exec", net.cellNs, "tc", "qdisc", "add", "dev", TestNetwork.CELL_IF, "clsact");
        TestNetwork.sh("ip", "netns", "exec", net.cellNs, "tc", "filter", "add", "dev", TestNetwork.CELL_IF, "ingress",
                "pref", Integer.toString(TcClsactFilter.PRIORITY), "protocol", "all", "u32", "match", "u32", "0", "0");
        String before = KernelState.filters(net);

        given().contentType(ContentType.JSON)
                .body("{\"netns\":\"" + net.cellNetnsPath() + "\",\"interface\":\"" + TestNetwork.CELL_IF + "\"}")
                .post("/cells/auto-1/monitor").then().statusCode(201)
                .body("backend", equalTo("ebpf")).body("attach_mode", equalTo("tcx"));
        try (SseClient sse = new SseClient(base.resolve("/cells/auto-1/flows"))) {
            assertEquals(before, KernelState.filters(net), "the failed tc attempt left no filter of ours");
            assertTrue(given().get("/q/metrics").then().statusCode(200).extract().asString()
                    .contains("cellflow_monitors_attached{mode=\"tcx\"} 1.0"), "the fallback shows in the metric");
            for (int i = 0; i < 250 && sse.status() == 0; i++) {
                Thread.sleep(20);
            }
            int port = net.traffic().udp(net.peerPath(), net.peerV4, net.cellPath(), net.cellV4, 7401);
            assertTrue(sse.await(evs -> evs.stream().anyMatch(e -> e.data().path("src_port").asInt() == port
                    && "ingress".equals(e.data().path("direction").asText())), Duration.ofSeconds(10)),
                    "ingress udp flow from port " + port);
        } finally {
            given().delete("/cells/auto-1/monitor").then().statusCode(204);
        }
        assertEquals(before, KernelState.filters(net), "the other filter stays");
        assertTrue(KernelState.qdiscs(net).contains("clsact"), "a qdisc we did not create stays");
    }
}
