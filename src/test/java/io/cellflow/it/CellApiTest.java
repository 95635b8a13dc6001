package io.cellflow.it;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every status code of the monitor API, against the real backend and a real namespace (no test double): the
 * success paths attach real programs.
 */
@QuarkusTest
class CellApiTest {
    private static TestNetwork net;

    @BeforeAll
    static void network() {
        net = TestNetwork.createOrSkip("privileged API tests");
    }

    @AfterAll
    static void teardown() {
        if (net != null) {
            net.close();
        }
    }

    private String body(String netns, String iface) {
        return "{\"netns\":\"" + netns + "\",\"interface\":\"" + iface + "\"}";
    }

    @Test
    void startListGetStopAndTheConflictsBetween() {
        given().contentType(ContentType.JSON).body(body(net.cellNetnsPath(), TestNetwork.CELL_IF))
                .post("/cells/api-1/monitor")
                .then().statusCode(201)
                .header("Location", containsString("/cells/api-1/monitor"))
                .body("cell_id", equalTo("api-1"))
                .body("backend", equalTo("ebpf"))
                .body("state", equalTo("running"))
                .body("interface", equalTo(TestNetwork.CELL_IF))
                .body("netns", equalTo(net.cellNetnsPath()))
                .body("ring_buffer_bytes", equalTo(65536))
                .body("started_at", notNullValue());
        try {
            given().contentType(ContentType.JSON).body(body(net.cellNetnsPath(), TestNetwork.CELL_IF))
                    .post("/cells/api-1/monitor")
                    .then().statusCode(409).contentType("application/problem+json")
                    .body("cell_id", equalTo("api-1"));
            given().get("/cells").then().statusCode(200).body("cell_id", hasItem("api-1"));
            given().get("/cells/api-1/monitor").then().statusCode(200)
                    .body("counters.events", notNullValue())
                    .body("counters.ring_buffer_losses", equalTo(0))
                    .body("counters.unique_flows", notNullValue())
                    .body("attach_mode", equalTo("tc"));
        } finally {
            given().delete("/cells/api-1/monitor").then().statusCode(204);
        }
        given().delete("/cells/api-1/monitor").then().statusCode(404).contentType("application/problem+json");
        given().get("/cells/api-1/monitor").then().statusCode(404).body("cell_id", equalTo("api-1"));
        given().get("/cells/api-1/flows").then().statusCode(404).contentType("application/problem+json");
    }

    @Test
    void ringBufferBytesSizesTheCellsRingAndIsValidated() {
        given().contentType(ContentType.JSON).body("{\"netns\":\"" + net.cellNetnsPath() + "\",\"interface\":\""
                + TestNetwork.CELL_IF + "\",\"ring_buffer_bytes\":16384}")
                .post("/cells/api-ring/monitor")
                .then().statusCode(201).body("backend", equalTo("ebpf")).body("ring_buffer_bytes", equalTo(16384));
        try {
            given().get("/cells/api-ring/monitor").then().statusCode(200).body("ring_buffer_bytes", equalTo(16384));
        } finally {
            given().delete("/cells/api-ring/monitor").then().statusCode(204);
        }
        for (String bad : new String[] {"100000", "8192", "134217728", "-1"}) {
            given().contentType(ContentType.JSON).body("{\"netns\":\"" + net.cellNetnsPath() + "\",\"interface\":\""
                    + TestNetwork.CELL_IF + "\",\"ring_buffer_bytes\":" + bad + "}")
                    .post("/cells/api-ring/monitor")
                    .then().statusCode(400).contentType("application/problem+json")
                    .body("field", equalTo("ring_buffer_bytes"))
                    .body("detail", containsString("power of two"));
        }
        given().contentType(ContentType.JSON).body("{\"netns\":\"" + net.cellNetnsPath() + "\",\"interface\":\""
                + TestNetwork.CELL_IF + "\",\"ring_buffer_bytes\":\"big\"}")
                .post("/cells/api-ring/monitor")
                .then().statusCode(400).contentType("application/problem+json")
                .body("field", equalTo("ring_buffer_bytes"));
        given().get("/cells/api-ring/monitor").then().statusCode(404);
    }

    @Test
    void badCellIdIs400() {
        given().contentType(ContentType.JSON).body(body(net.cellNetnsPath(), TestNetwork.CELL_IF))
                .post("/cells/-bad;id/monitor")
                .then().statusCode(400).contentType("application/problem+json")
                .body("field", equalTo("cell_id"));
    }

    @Test
    void badInterfaceNameIs400AndNamesTheField() {
        given().contentType(ContentType.JSON).body(body(net.cellNetnsPath(), "eth0;reboot"))
                .post("/cells/api-2/monitor")
                .then().statusCode(400).contentType("application/problem+json")
                .body("field", equalTo("interface"))
                .body("cell_id", equalTo("api-2"));
    }

    @Test
    void badNetnsFormIs400() {
        given().contentType(ContentType.JSON).body(body("/etc/passwd", "eth0"))
                .post("/cells/api-2/monitor")
                .then().statusCode(400).body("field", equalTo("netns"));
    }

    @Test
    void malformedMissingAndUnknownBodiesAre400() {
        given().contentType(ContentType.JSON).body("{\"netns\": ").post("/cells/api-2/monitor")
                .then().statusCode(400).contentType("application/problem+json")
                .body("detail", containsString("malformed JSON"));
        given().contentType(ContentType.JSON).post("/cells/api-2/monitor")
                .then().statusCode(400).contentType("application/problem+json");
        given().contentType(ContentType.JSON).body("{\"netns\":\"/run/netns/x\",\"interfce\":\"eth0\"}")
                .post("/cells/api-2/monitor")
                .then().statusCode(400).body("field", equalTo("interfce"));
        given().contentType(ContentType.JSON).body("{\"interface\":\"eth0\"}").post("/cells/api-2/monitor")
                .then().statusCode(400).body("field", equalTo("netns"));
    }

    @Test
    void oversizeBodyIs413() {
        given().contentType(ContentType.JSON).body("{\"netns\":\"" + "x".repeat(70_000) + "\"}")
                .post("/cells/api-2/monitor")
                .then().statusCode(413);
    }

    @Test
    void missingNetnsIs404() {
        given().contentType(ContentType.JSON).body(body("/run/netns/cft-does-not-exist", "eth0"))
                .post("/cells/api-3/monitor")
                .then().statusCode(404).contentType("application/problem+json")
                .body("cell_id", equalTo("api-3"))
                .body("errno_name", equalTo("ENOENT"));
        given().get("/cells/api-3/monitor").then().statusCode(404);
    }

    @Test
    void interfaceNotInThatNetnsIs422() {
        given().contentType(ContentType.JSON).body(body(net.cellNetnsPath(), "nosuch0"))
                .post("/cells/api-4/monitor")
                .then().statusCode(422).contentType("application/problem+json")
                .body("interface", equalTo("nosuch0"))
                .body("cell_id", equalTo("api-4"));
        given().get("/cells/api-4/monitor").then().statusCode(404);
    }

    @Test
    void nflogOnRequestOwnsOneTableAndRemovesIt() {
        given().contentType(ContentType.JSON)
                .body("{\"netns\":\"" + net.cellNetnsPath() + "\",\"interface\":\"cfc0\",\"backend\":\"nflog\"}")
                .post("/cells/api-5/monitor")
                .then().statusCode(201).body("backend", equalTo("nflog")).body("attach_mode", equalTo("nft_log"));
        try {
            org.junit.jupiter.api.Assertions.assertTrue(KernelState.nftTables(net).contains("cellflow_api_5"),
                    KernelState.nftTables(net));
            given().get("/cells/api-5/monitor").then().statusCode(200).body("backend", equalTo("nflog"));
        } finally {
            given().delete("/cells/api-5/monitor").then().statusCode(204);
        }
        org.junit.jupiter.api.Assertions.assertEquals("", KernelState.nftTables(net).strip());
    }

    @Test
    void unknownPathIsProblemJson() {
        given().get("/cells/api-6/nothing").then().statusCode(404).contentType("application/problem+json");
    }
}
