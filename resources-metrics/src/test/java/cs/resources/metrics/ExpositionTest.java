package cs.resources.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import org.junit.jupiter.api.Test;

/** The check of the password both endpoints make, and what they refuse to start without. */
class ExpositionTest {

    private static String basic(String userAndPassword) {
        return "Basic " + Base64.getEncoder().encodeToString(userAndPassword.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void admitsTheUserWithItsPasswordOnly() {
        Exposition e = new Exposition(() -> "text", "admin", "s3cret:with:colons");
        assertThat(e.admits(basic("admin:s3cret:with:colons"))).isTrue();
        assertThat(e.admits("basic " + basic("admin:s3cret:with:colons").substring(6))).as("scheme, any case").isTrue();
        assertThat(e.admits(null)).isFalse();
        assertThat(e.admits("")).isFalse();
        assertThat(e.admits(basic("admin:s3cret"))).isFalse();
        assertThat(e.admits(basic("Admin:s3cret:with:colons"))).isFalse();
        assertThat(e.admits(basic("admin:s3cret:with:colonsX"))).isFalse();
        assertThat(e.admits("Bearer " + basic("admin:s3cret:with:colons").substring(6))).isFalse();
        assertThat(e.admits("Basic not*base64")).isFalse();
        assertThat(e.text()).isEqualTo("text");
    }

    @Test
    void noEndpointWithoutAPassword() {
        assertThatIllegalArgumentException().isThrownBy(() -> new Exposition(() -> "", "admin", ""))
                .withMessage("the metrics endpoint needs a password");
        assertThatIllegalArgumentException().isThrownBy(() -> new Exposition(() -> "", "admin", null))
                .withMessage("the metrics endpoint needs a password");
    }
}
