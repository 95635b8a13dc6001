package io.cellflow.api;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

public class TokenProfile implements QuarkusTestProfile {
    static final String TOKEN = "s3cret-token";

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("cellflow.api.token", TOKEN);
    }
}
