package io.cellflow.it;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cellflow.bpf.PreloadedObjects;
import io.cellflow.monitor.KernelRuntime;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.net.URI;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A monitor start with the default sizes takes the preloaded object (its programs were loaded before the POST),
 * sees traffic through it, and frees it on stop; a start with its own ring size loads its own object.
 */
@QuarkusTest
@TestProfile(PreloadProfile.class)
class PreloadedStartTest {
    private static final long WAIT_MS = 30_000;
    private static TestNetwork net;

    @Inject
    KernelRuntime runtime;

    @TestHTTPResource("/")
    URI base;

    @BeforeAll
    static void network() {
        net = TestNetwork.createOrSkip("privileged preload tests");
    }

    @AfterAll
    static void teardown() {
        if (net != null) {
            net.close();
        }
    }

    @Test
    void defaultStartUsesThePreloadedObjectAndOwnRingSizeLoadsItsOwn() throws Exception {
        PreloadedObjects pool = runtime.preloaded();
        assertTrue(pool.awaitReady(1, WAIT_MS), "the object is preloaded at start-up");
        Set<Long> preloaded = KernelState.heldPrograms();
        long fdsBefore = KernelState.bpfFds();
        long hits = pool.hits();
        long bypasses = pool.bypasses();

        given().contentType(ContentType.JSON)
                .body("{\"netns\":\"" + net.cellNetnsPath() + "\",\"interface\":\"" + TestNetwork.CELL_IF + "\"}")
                .post("/cells/pre-1/monitor").then().statusCode(201).body("backend", equalTo("ebpf"));
        try (SseClient sse = new SseClient(base.resolve("/cells/pre-1/flows"))) {
            assertEquals(hits + 1, pool.hits(), "the start took the preloaded object");
            assertTrue(awaitClients("pre-1"), "the SSE client did not subscribe");
            int port = net.traffic().udp(net.cellPath(), net.cellV4, net.peerPath(), net.peerV4, 7201);
            String flow = SseClient.flow("egress", "udp", net.cellV4, port, net.peerV4, 7201);
            assertTrue(sse.await(evs -> evs.stream().anyMatch(e -> e.data().has("direction")
                    && flow.equals(e.flow())), Duration.ofSeconds(10)), "the preloaded programs report the flow");
            given().get("/cells/pre-1/monitor").then().statusCode(200).body("counters.ring_buffer_losses", equalTo(0));
        } finally {
            given().delete("/cells/pre-1/monitor").then().statusCode(204);
        }
        for (long id : preloaded) {
            assertTrue(KernelState.programUnloaded(id), "program " + id + " of the monitor unloaded on stop");
        }
        assertTrue(pool.awaitReady(1, WAIT_MS), "refilled after the hand-out");
        given().get("/q/metrics").then().statusCode(200).body(org.hamcrest.Matchers.containsString(
                "cellflow_bpf_preloaded_takes_total{result=\"hit\"} " + (double) pool.hits()));

        Set<Long> pooledNow = KernelState.heldPrograms();
        given().contentType(ContentType.JSON)
                .body("{\"netns\":\"" + net.cellNetnsPath() + "\",\"interface\":\"" + TestNetwork.CELL_IF
                        + "\",\"ring_buffer_bytes\":16384}")
                .post("/cells/pre-2/monitor").then().statusCode(201).body("ring_buffer_bytes", equalTo(16384));
        Set<Long> own = new TreeSet<>(KernelState.heldPrograms());
        own.removeAll(pooledNow);
        given().delete("/cells/pre-2/monitor").then().statusCode(204);
        assertEquals(bypasses + 1, pool.bypasses(), "another ring size loads its own object");
        assertEquals(1, pool.ready(), "the pooled object stays for the next default start");
        assertEquals(2, own.size(), "its own two programs: " + own);
        for (long id : own) {
            assertTrue(KernelState.programUnloaded(id), "program " + id + " unloaded on stop");
        }
        assertEquals(fdsBefore, KernelState.bpfFds(), "one pooled object's fds, as before the starts");
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
