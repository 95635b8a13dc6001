package io.cellflow.it;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.net.InetAddress;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** /bpf/maps over the host's real maps: our cell's flow table is listed, paged to the end, and no fd is kept. */
@QuarkusTest
@TestProfile(NoDrainProfile.class) // a drain between the traffic and the paging would empty our table
class BpfMapResourceTest {
    private static TestNetwork net;

    @BeforeAll
    static void network() {
        net = TestNetwork.createOrSkip("privileged map tests");
    }

    @AfterAll
    static void teardown() {
        if (net != null) {
            net.close();
        }
    }

    @Test
    void listsDescribesAndPagesOurFlowTable() throws Exception {
        // other processes on the host (another cellflow, say) may hold many flow tables: page only the new ones
        List<Object> before = given().queryParam("name_suffix", "cf_flows").get("/bpf/maps").then()
                .statusCode(200).extract().jsonPath().getList("id");
        given().contentType(ContentType.JSON)
                .body("{\"netns\":\"" + net.cellNetnsPath() + "\",\"interface\":\"cfc0\"}")
                .post("/cells/map-1/monitor").then().statusCode(201);
        try {
            Traffic t = net.traffic();
            for (int port = 7501; port <= 7503; port++) {
                t.udp(net.cellPath(), net.cellV4, net.peerPath(), net.peerV4, port);
            }
            long fds = KernelState.bpfFds();
            String cellAddr = HexFormat.of().formatHex(InetAddress.getByName(net.cellV4).getAddress());

            List<Map<String, Object>> maps = given().queryParam("name_suffix", "cf_flows").get("/bpf/maps").then()
                    .statusCode(200).extract().jsonPath().getList("$");
            maps.removeIf(m -> before.contains(m.get("id")));
            assertTrue(!maps.isEmpty());
            for (Map<String, Object> m : maps) {
                assertEquals("cf_flows", m.get("name"));
                assertEquals("hash", m.get("type_name"));
                assertEquals(40, m.get("key_size"));
            }

            // step: page through each flow table one entry at a time; ours holds our cell's address
            int ourEntries = 0;
            for (Map<String, Object> m : maps) {
                String cursor = null;
                int pages = 0;
                boolean ours = false;
                int entries = 0;
                do {
                    var req = given().queryParam("limit", 1);
                    if (cursor != null) {
                        req = req.queryParam("cursor", cursor);
                    }
                    var resp = req.get("/bpf/maps/" + m.get("id"));
                    if (resp.statusCode() == 404) {
                        break; // another process's map, gone since it was listed
                    }
                    JsonPath page = resp.then().statusCode(200).extract().jsonPath();
                    List<Map<String, Object>> es = page.getList("entries");
                    for (Map<String, Object> e : es) {
                        ours |= ((String) e.get("key")).contains(cellAddr);
                        assertEquals(1, ((List<?>) e.get("values")).size());
                    }
                    entries += es.size();
                    cursor = page.getString("next_cursor");
                } while (cursor != null && ++pages < 10_000);
                if (ours) {
                    ourEntries = entries;
                }
            }
            int unique = given().get("/cells/map-1/monitor").then().extract().path("counters.unique_flows");
            assertTrue(ourEntries >= 6, "3 UDP exchanges are at least 6 flows, got " + ourEntries);
            assertTrue(ourEntries <= unique, ourEntries + " entries, " + unique + " flows counted");
            assertEquals(fds, KernelState.bpfFds(), "fds are held only for the request");

            // per-CPU maps show one value per CPU
            int statsId = given().queryParam("name_suffix", "cf_stats").get("/bpf/maps").then().extract()
                    .path("[0].id");
            List<?> values = given().get("/bpf/maps/" + statsId).then().statusCode(200).extract()
                    .path("entries[0].values");
            assertTrue(values.size() >= Runtime.getRuntime().availableProcessors());
        } finally {
            given().delete("/cells/map-1/monitor").then().statusCode(204);
        }
        given().get("/bpf/maps/2147483647").then().statusCode(404).contentType("application/problem+json");
        given().get("/bpf/maps/abc").then().statusCode(400);
        given().queryParam("limit", 5000).get("/bpf/maps/1").then().statusCode(400);
    }
}
