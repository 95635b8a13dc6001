package io.cellflow.it;

import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.SmallRyeConfigBuilderCustomizer;

/**
 * Test-only: lets {@code -Dcellflow.test.*} (e.g. {@code cellflow.test.netns-prefix}, read by {@link TestNetwork})
 * be given on the Maven command line. Surefire hands such user properties to the test JVM as system properties,
 * where they fall under the {@code cellflow} config mapping's prefix and, unmapped, fail every {@code @QuarkusTest}
 * at boot (SRCFG00050). They are the tests' own settings, not the service's, so validation skips exactly them.
 * Registered through {@code META-INF/services} in the test resources; the service never sees it.
 */
public class TestPropertiesConfig implements SmallRyeConfigBuilderCustomizer {
    @Override
    public void configBuilder(SmallRyeConfigBuilder builder) {
        builder.withMappingIgnore("cellflow.test.**");
    }
}
