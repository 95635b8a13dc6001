package io.cellflow.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

/**
 * The policy API's refusals, which need no kernel: a malformed policy is a 400 naming the member (before any
 * namespace or backend is touched), a policy for a cell that is not monitored a 404.
 */
@QuarkusTest
class PolicyApiTest {
    private static String start(String policy) {
        return "{\"netns\":\"/run/netns/cfpol-none\",\"interface\":\"eth0\",\"policy\":" + policy + "}";
    }

    @Test
    void malformedPolicyInTheStartRequestIs400NamingTheMember() {
        given().contentType(ContentType.JSON)
                .body(start("{\"default\":\"allow\",\"rules\":[{\"cidr\":\"10.0.0.0/8\",\"protocol\":\"udp\","
                        + "\"ports\":[53,70000],\"action\":\"deny\"}]}"))
                .post("/cells/papi-1/monitor").then().statusCode(400).contentType("application/problem+json")
                .body("field", equalTo("policy.rules[0].ports[1]")).body("cell_id", equalTo("papi-1"))
                .body("detail", containsString("0..65535"));
        given().contentType(ContentType.JSON)
                .body(start("{\"default\":\"allow\",\"rules\":[{\"cidr\":\"10.0.0.0/8\",\"action\":\"reject\"}]}"))
                .post("/cells/papi-1/monitor").then().statusCode(400).body("field", equalTo("policy.rules[0].action"));
        given().contentType(ContentType.JSON)
                .body(start("{\"default\":\"allow\",\"rules\":[{\"cidrs\":\"10.0.0.0/8\",\"action\":\"deny\"}]}"))
                .post("/cells/papi-1/monitor").then().statusCode(400).body("field", equalTo("policy.rules[0].cidrs"));
        given().contentType(ContentType.JSON).body(start("\"deny\""))
                .post("/cells/papi-1/monitor").then().statusCode(400).body("field", equalTo("policy"));
        given().get("/cells/papi-1/monitor").then().statusCode(404);
    }

    @Test
    void putForACellThatIsNotMonitoredIs404AndABadIdIs400() {
        given().contentType(ContentType.JSON).body("{\"default\":\"allow\"}").put("/cells/papi-2/policy")
                .then().statusCode(404).contentType("application/problem+json").body("cell_id", equalTo("papi-2"));
        given().contentType(ContentType.JSON).body("{\"default\":\"allow\"}").put("/cells/-bad;id/policy")
                .then().statusCode(400).body("field", equalTo("cell_id"));
        given().contentType(ContentType.JSON).body("{\"default\": ").put("/cells/papi-2/policy")
                .then().statusCode(400).contentType("application/problem+json");
    }
}
