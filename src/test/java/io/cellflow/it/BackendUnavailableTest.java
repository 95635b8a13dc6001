package io.cellflow.it;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** When no backend can start the answer is 503 naming the cause, and nothing is left running. */
@QuarkusTest
@TestProfile(MissingObjectProfile.class)
class BackendUnavailableTest {
    private static TestNetwork net;

    @BeforeAll
    static void network() {
        String gap = TestNetwork.privilegeGap();
        Assumptions.assumeTrue(gap == null, "privileged API tests skipped: " + gap);
        net = TestNetwork.create();
    }

    @AfterAll
    static void teardown() {
        if (net != null) {
            net.close();
        }
    }

    @Test
    void missingObjectIs503WithThePathAndErrno() {
        long progs = KernelState.cellflowPrograms();
        given().contentType(ContentType.JSON)
                .body("{\"netns\":\"" + net.cellNetnsPath() + "\",\"interface\":\"cfc0\",\"backend\":\"ebpf\"}")
                .post("/cells/u-1/monitor")
                .then().statusCode(503).contentType("application/problem+json")
                .body("cell_id", equalTo("u-1"))
                .body("detail", containsString(MissingObjectProfile.PATH))
                .body("errno_name", equalTo("ENOENT"));
        given().get("/cells/u-1/monitor").then().statusCode(404);
        org.junit.jupiter.api.Assertions.assertEquals(progs, KernelState.cellflowPrograms());
    }
}
