package io.cellflow.it;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** When no backend can start the answer is 503 naming the cause, and nothing is left running. */
@QuarkusTest
@TestProfile(MissingObjectProfile.class)
class BackendUnavailableTest {
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

    @Test
    void missingObjectIs503WithThePathAndErrno() {
        long fds = KernelState.bpfFds();
        given().contentType(ContentType.JSON)
                .body("{\"netns\":\"" + net.cellNetnsPath() + "\",\"interface\":\"cfc0\",\"backend\":\"ebpf\"}")
                .post("/cells/u-1/monitor")
                .then().statusCode(503).contentType("application/problem+json")
                .body("cell_id", equalTo("u-1"))
                .body("detail", containsString(MissingObjectProfile.PATH))
                .body("errno_name", equalTo("ENOENT"));
        given().get("/cells/u-1/monitor").then().statusCode(404);
        org.junit.jupiter.api.Assertions.assertEquals(fds, KernelState.bpfFds(), "nothing opened is kept");
    }

    @Test
    void autoFallsBackToNflogAndSaysWhy() {
        given().contentType(ContentType.JSON)
                .body("{\"netns\":\"" + net.cellNetnsPath() + "\",\"interface\":\"cfc0\"}")
                .post("/cells/u-2/monitor")
                .then().statusCode(201)
                .body("backend", equalTo("nflog"))
                .body("fallback_reason", containsString("ObjectMissing"))
                .body("fallback_reason", containsString(MissingObjectProfile.PATH));
        try {
            given().get("/cells/u-2/monitor").then().statusCode(200)
                    .body("fallback_reason", containsString(MissingObjectProfile.PATH));
            String metrics = given().get("/q/metrics").then().extract().asString();
            org.junit.jupiter.api.Assertions.assertTrue(
                    metrics.contains("cellflow_fallbacks_total{cause=\"object_missing\"}"), "fallback metric");
            org.junit.jupiter.api.Assertions.assertTrue(
                    metrics.contains("cellflow_monitors_active{backend=\"nflog\"} 1.0"), "active by backend");
        } finally {
            given().delete("/cells/u-2/monitor").then().statusCode(204);
        }
    }
}
