package io.cellflow.it;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A program the verifier refuses: the answer says LoadFailed and quotes the verifier; nothing is left loaded. */
@QuarkusTest
@TestProfile(RejectedObjectProfile.class)
class VerifierRejectionTest {
    private static TestNetwork net;

    @BeforeAll
    static void network() {
        net = TestNetwork.createOrSkip("privileged tests");
    }

    @AfterAll
    static void teardown() {
        if (net != null) {
            net.close();
        }
    }

    @Test
    void ebpfBackendReportsTheVerifierLog() {
        long fds = KernelState.bpfFds();
        given().contentType(ContentType.JSON)
                .body("{\"netns\":\"" + net.cellNetnsPath() + "\",\"interface\":\"cfc0\",\"backend\":\"ebpf\"}")
                .post("/cells/v-1/monitor")
                .then().statusCode(503).contentType("application/problem+json")
                .body("cell_id", equalTo("v-1"))
                .body("detail", allOf(containsString("LoadFailed"), containsString("invalid access to packet")));
        Assertions.assertEquals(fds, KernelState.bpfFds(), "maps created before the failed load are freed");
    }

    @Test
    void autoFallsBackWithTheVerifierExcerptAsReason() {
        given().contentType(ContentType.JSON)
                .body("{\"netns\":\"" + net.cellNetnsPath() + "\",\"interface\":\"cfc0\",\"backend\":\"auto\"}")
                .post("/cells/v-2/monitor")
                .then().statusCode(201)
                .body("backend", equalTo("nflog"))
                .body("fallback_reason", allOf(containsString("LoadFailed"), containsString("invalid access")));
        given().delete("/cells/v-2/monitor").then().statusCode(204);
    }
}
