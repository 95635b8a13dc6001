package io.cellflow.it;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cellflow.bpf.TcClsactFilter;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The tc clsact fallback: our filters carry our handle, events flow, and stop removes only what we created (a
 * clsact qdisc and filters that were there before stay).
 */
@QuarkusTest
@TestProfile(TcAttachProfile.class)
class TcAttachTest {
    private TestNetwork net;

    @TestHTTPResource("/")
    URI base;

    @BeforeEach
    void network() {
        net = TestNetwork.createOrSkip("privileged tc tests");
    }

    @AfterEach
    void teardown() {
        if (net != null) {
            net.close();
        }
    }

    private void start(String cell) {
        given().contentType(ContentType.JSON)
                .body("{\"netns\":\"" + net.cellNetnsPath() + "\",\"interface\":\"" + TestNetwork.CELL_IF + "\"}")
                .post("/cells/" + cell + "/monitor").then().statusCode(201).body("attach_mode", equalTo("tc"));
    }

    @Test
    void attachesWithOurHandleAndRemovesTheQdiscItCreated() throws Exception {
        assertFalse(KernelState.qdiscs(net).contains("clsact"));
        start("tc-1");
        try (SseClient sse = new SseClient(base.resolve("/cells/tc-1/flows"))) {
            String handle = Integer.toHexString(TcClsactFilter.HANDLE);
            assertTrue(KernelState.qdiscs(net).contains("clsact"));
            assertTrue(KernelState.filters(net).contains("handle 0x" + handle), KernelState.filters(net));
            for (int i = 0; i < 250 && sse.status() == 0; i++) {
                Thread.sleep(20);
            }
            int port = net.traffic().udp(net.cellPath(), net.cellV4, net.peerPath(), net.peerV4, 7201);
            assertTrue(sse.await(evs -> evs.stream().anyMatch(e -> e.data().path("src_port").asInt() == port
                    && "egress".equals(e.data().path("direction").asText())), Duration.ofSeconds(10)),
                    "egress udp flow from port " + port);
        } finally {
            given().delete("/cells/tc-1/monitor").then().statusCode(204);
        }
        assertFalse(KernelState.qdiscs(net).contains("clsact"), "the clsact qdisc we created is gone");
        assertFalse(KernelState.filters(net).contains("bpf"));
    }

    @Test
    void leavesAForeignQdiscAndFilterAlone() {
        TestNetwork.sh("ip", "netns", "exec", net.cellNs, "tc", "qdisc", "add", "dev", TestNetwork.CELL_IF, "clsact");
        TestNetwork.sh("ip", "netns", "exec", net.cellNs, "tc", "filter", "add", "dev", TestNetwork.CELL_IF, "ingress",
                "pref", "10", "protocol", "all", "u32", "match", "u32", "0", "0");
        String before = KernelState.filters(net);
        start("tc-2");
        given().delete("/cells/tc-2/monitor").then().statusCode(204);
        assertTrue(KernelState.qdiscs(net).contains("clsact"), "a qdisc we did not create stays");
        assertEquals(before, KernelState.filters(net), "the foreign filter stays; ours are gone");
    }
}
