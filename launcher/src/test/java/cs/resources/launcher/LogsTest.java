package cs.resources.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.logging.Level;
import org.junit.jupiter.api.Test;

/** The console's one line per warning, without a framework. */
class LogsTest {

    @Test
    void aShortWarningIsPrintedAsItIs() {
        assertThat(Logs.oneLine(Level.WARNING, "task \"x\" failed", new IllegalStateException("boom")))
                .isEqualTo("WARNING: task \"x\" failed: IllegalStateException: boom");
        assertThat(Logs.oneLine(Level.SEVERE, "gone", null)).isEqualTo("SEVERE: gone");
    }

    @Test
    void onlyTheFirstLineOfTheMessageAndOfTheFailureIsShownAndNoControlCharacter() {
        String stack = "opened here\n\tat a.B.c(B.java:1)\n\tat d.E.f(E.java:2)";
        String line = Logs.oneLine(Level.WARNING, "leak: " + stack, new IllegalStateException("first\r\nsecond"));
        assertThat(line).isEqualTo("WARNING: leak: opened here: IllegalStateException: first");
        assertThat(Logs.oneLine(Level.WARNING, "tab\there\u001b[2J", null)).isEqualTo("WARNING: tab here [2J");
    }

    @Test
    void aLongLineIsCutAt200CharactersSayingWhereTheRestIs() {
        String line = Logs.oneLine(Level.WARNING, "m".repeat(1_000), new IllegalStateException("x".repeat(500)));
        assertThat(line).hasSize(200).startsWith("WARNING: mmm").endsWith(Logs.CUT);
        // A character outside the BMP is not cut in half.
        String emoji = "\uD83D\uDE00".repeat(300);
        String cut = Logs.oneLine(Level.WARNING, emoji, null);
        assertThat(cut.length()).isLessThanOrEqualTo(200);
        assertThat(Character.isHighSurrogate(cut.charAt(cut.length() - Logs.CUT.length() - 1))).isFalse();
    }
}
