package cs.resources.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Test;

/** {@code --metrics} on the command line, without a framework. */
class MetricsOptionsTest {

    @Test
    void metricsAddsItsGroupAndListensOnLoopbackBehindAFreshPassword() {
        Options o = Options.parse("--metrics");
        assertThat(o.groups).containsExactly("core", "load", "metrics");
        assertThat(o.metrics()).isTrue();
        assertThat(o.web()).isFalse();
        assertThat(o.properties).containsEntry("cs.resources.metrics.host", "127.0.0.1")
                .containsEntry("cs.resources.metrics.port", "0")
                .containsEntry("cs.resources.metrics.user", "admin");
        assertThat(o.properties.get("cs.resources.metrics.password")).matches("[A-Za-z0-9_-]{16}");
        assertThat(Options.parse("--metrics=9779").properties).containsEntry("cs.resources.metrics.port", "9779");
        assertThat(Options.parse("--metrics").properties.get("cs.resources.metrics.password"))
                .as("a new password each time").isNotEqualTo(o.properties.get("cs.resources.metrics.password"));
    }

    @Test
    void withTheWebConsoleBothServeBehindOnePassword() {
        for (Options o : new Options[] {Options.parse("--web", "--metrics"), Options.parse("--metrics", "--web")}) {
            assertThat(o.groups).containsOnly("core", "load", "web", "metrics");
            assertThat(o.properties.get("cs.resources.metrics.password"))
                    .isEqualTo(o.properties.get("felix.webconsole.password"));
        }
        Options web = Options.parse("--web");
        assertThat(web.metrics()).as("--web serves /metrics beside the console, not alone").isFalse();
        assertThat(web.properties).doesNotContainKey("cs.resources.metrics.port");
    }

    @Test
    void aPortOutOfRangeIsRefusedByName() {
        for (String bad : new String[] {"0", "65536", "-1", "x", ""}) {
            assertThatIllegalArgumentException().isThrownBy(() -> Options.parse("--metrics=" + bad))
                    .withMessage("--metrics needs a port from 1 to 65535, not \"" + bad + "\"");
        }
        assertThat(Options.usage()).contains("--metrics[=PORT]");
    }
}
