package cs.resources.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {
    @Test
    void parsesShortAndIsoForms() {
        assertThat(Durations.parse("x", "500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("x", "2s")).isEqualTo(Duration.ofSeconds(2));
        assertThat(Durations.parse("x", "3m")).isEqualTo(Duration.ofMinutes(3));
        assertThat(Durations.parse("x", "1h")).isEqualTo(Duration.ofHours(1));
        assertThat(Durations.parse("x", " 2S ")).isEqualTo(Duration.ofSeconds(2));
        assertThat(Durations.parse("x", "PT1.5S")).isEqualTo(Duration.ofMillis(1500));
    }

    @Test
    void rejectsWhatIsNotAPositiveDuration() {
        assertThatThrownBy(() -> Durations.parse("run --every", "banana"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("run --every: not a duration: \"banana\" (write 500ms, 2s, 1m, 1h or ISO-8601 such as PT2S)");
        assertThatThrownBy(() -> Durations.parse("run --every", "0s"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("run --every: the duration must be positive, not 0s");
        assertThatThrownBy(() -> Durations.parse("run --every", "PT-1S"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be positive");
        assertThatThrownBy(() -> Durations.parse("x", "1\u001b[2J"))
                .hasMessageContaining("1\\u001b[2J").hasMessageNotContaining("\u001b");
    }

    @Test
    void formatsForPeopleAndForScripts() {
        assertThat(Durations.format(Duration.ofMillis(250))).isEqualTo("0.250s");
        assertThat(Durations.format(Duration.ofMillis(12_345))).isEqualTo("12.3s");
        assertThat(Durations.format(Duration.ofSeconds(185))).isEqualTo("3m05s");
        assertThat(Durations.format(Duration.ofMinutes(123))).isEqualTo("2h03m");
        assertThat(Durations.seconds(Duration.ofMillis(12_345))).isEqualTo("12.345");
    }
}
