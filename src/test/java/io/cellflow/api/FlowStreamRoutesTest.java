package io.cellflow.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/**
 * The stream routes' answers before any stream starts, as the JAX-RS resources gave them: problems for bad input
 * and unknown cells, the methods the paths allow. Streams themselves are in the privileged tests (it/).
 */
@QuarkusTest
class FlowStreamRoutesTest {

    @Test
    void badInputIs400AndAnUnknownCell404BeforeTheStreamStarts() {
        given().get("/cells/BAD!/flows").then().statusCode(400).contentType("application/problem+json")
                .body("type", equalTo("https://cellflow.io/problems/invalid-input")).body("field", equalTo("cell_id"));
        given().get("/cells/nope/flows?port=x").then().statusCode(400).body("field", equalTo("port"))
                .body("cell_id", equalTo("nope"));
        given().header("Last-Event-ID", "-1").get("/cells/nope/flows").then().statusCode(400)
                .body("field", equalTo("since"));
        given().get("/flows?kind=bogus").then().statusCode(400).body("field", equalTo("kind"))
                .body("detail", equalTo("kind must be one of [flow.closed, flow.opened, flow.updated],"
                        + " got \"flow.bogus\""));
        given().get("/cells/nope/flows?direction=").then().statusCode(404) // empty is absent, as for JAX-RS
                .contentType("application/problem+json").body("title", equalTo("Not Found"))
                .body("detail", equalTo("cell nope is not monitored"));
    }

    @Test
    void methodsAsBefore() {
        given().post("/flows").then().statusCode(405).contentType("application/problem+json")
                .body("status", equalTo(405));
        given().options("/flows").then().statusCode(200).header("Allow", "HEAD, GET, OPTIONS");
        given().options("/cells/c/flows").then().statusCode(200).header("Allow", "HEAD, GET, OPTIONS");
        given().post("/cells/c/flows").then().statusCode(404).contentType("application/problem+json");
        given().get("/cells/nope/flows/recent").then().statusCode(404); // still JAX-RS
    }
}
