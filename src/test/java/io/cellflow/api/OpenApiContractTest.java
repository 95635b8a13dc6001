package io.cellflow.api;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * openapi.yaml at the top level is the contract: the document the service serves must match it in paths,
 * methods, status codes and schemas. On a mismatch the served document is written to
 * target/openapi-served.yaml; review the change and copy it over openapi.yaml.
 */
@QuarkusTest
class OpenApiContractTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Test
    void servedDocumentMatchesTheCommittedContract() throws Exception {
        String served = given().queryParam("format", "yaml").get("/q/openapi").then().statusCode(200).extract()
                .asString();
        JsonNode contract = YAML.readTree(Path.of("openapi.yaml").toFile());
        JsonNode actual = YAML.readTree(served);
        StringBuilder diff = new StringBuilder();
        compare("paths", contract.path("paths"), actual.path("paths"), diff);
        compare("components", contract.path("components"), actual.path("components"), diff);
        if (diff.length() > 0) {
            Path out = Path.of("target", "openapi-served.yaml");
            Files.createDirectories(out.getParent());
            Files.writeString(out, served);
            fail("the served OpenAPI document and openapi.yaml disagree:\n" + diff
                    + "if the change is intended: cp " + out + " openapi.yaml");
        }
    }

    private static void compare(String at, JsonNode want, JsonNode got, StringBuilder diff) {
        if (want.isObject() && got.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = want.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!got.has(e.getKey())) {
                    diff.append("  only in openapi.yaml: ").append(at).append('/').append(e.getKey()).append('\n');
                } else {
                    compare(at + "/" + e.getKey(), e.getValue(), got.get(e.getKey()), diff);
                }
            }
            for (Iterator<String> it = got.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!want.has(k)) {
                    diff.append("  only in the service: ").append(at).append('/').append(k).append('\n');
                }
            }
        } else if (!want.equals(got)) {
            diff.append("  differs at ").append(at).append(": openapi.yaml has ").append(want)
                    .append(", the service ").append(got).append('\n');
        }
    }
}
