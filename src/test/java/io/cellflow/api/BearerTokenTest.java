package io.cellflow.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

/** With cellflow.api.token set: mutations and streams need the token; reads of status and health do not. */
@QuarkusTest
@TestProfile(TokenProfile.class)
class BearerTokenTest {

    @Test
    void mutatingCallsAndStreamsNeedTheToken() {
        given().contentType(ContentType.JSON).body("{}").post("/cells/t-1/monitor")
                .then().statusCode(401).contentType("application/problem+json")
                .header("WWW-Authenticate", containsString("Bearer"));
        given().delete("/cells/t-1/monitor").then().statusCode(401);
        given().get("/cells/t-1/flows").then().statusCode(401).contentType("application/problem+json")
                .header("WWW-Authenticate", containsString("Bearer"));
        given().get("/flows").then().statusCode(401);
        given().get("/cells/t-1/flows/").then().statusCode(401); // a trailing slash is the same stream
        given().header("Authorization", "Bearer wrong").get("/flows").then().statusCode(401);
        given().get("/bpf/maps").then().statusCode(401);
        given().header("Authorization", "Bearer wrong").delete("/cells/t-1/monitor").then().statusCode(401);
        given().header("Authorization", "Bearer " + TokenProfile.TOKEN + "x").delete("/cells/t-1/monitor")
                .then().statusCode(401);
    }

    @Test
    void theRightTokenPassesAndOpenEndpointsStayOpen() {
        given().header("Authorization", "Bearer " + TokenProfile.TOKEN).delete("/cells/t-1/monitor")
                .then().statusCode(404); // authorised; the cell is simply not monitored
        given().header("Authorization", "Bearer " + TokenProfile.TOKEN).get("/cells/t-1/flows")
                .then().statusCode(404).contentType("application/problem+json");
        given().get("/cells").then().statusCode(200);
        given().get("/q/health").then().statusCode(200);
        given().get("/q/metrics").then().statusCode(200);
    }
}
