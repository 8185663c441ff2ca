package cs.resources.launcher.console;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The console's output while the prompt is shown (a real JLine reader, on a dumb terminal): whole
 * lines above the prompt, and unfinished ones held per thread, within bounds.
 */
class ConsoleOutputTest {

    private final ByteArrayOutputStream screen = new ByteArrayOutputStream();
    private Terminal terminal;
    private ConsoleOutput out;

    @BeforeEach
    void prompting() throws Exception {
        terminal = TerminalBuilder.builder().system(false).dumb(true).type("dumb").encoding(UTF_8)
                .streams(new ByteArrayInputStream(new byte[0]), screen).build();
        LineReader reader = LineReaderBuilder.builder().terminal(terminal).build();
        out = new ConsoleOutput(terminal.output(), UTF_8);
        out.prompting(reader);
    }

    @AfterEach
    void close() throws Exception {
        terminal.close();
    }

    private String shown() {
        terminal.flush();
        return screen.toString(UTF_8);
    }

    @Test
    void wholeLinesGoAboveThePromptAndAnUnfinishedOneWaitsForItsEnd() throws Exception {
        out.write("one\ntw".getBytes(UTF_8));
        assertThat(shown()).contains("one").doesNotContain("tw");
        out.write("o\n".getBytes(UTF_8));
        assertThat(shown()).contains("one").contains("two");
        assertThat(out.pendingBytes()).isZero();
        assertThat(out.pendingThreads()).isEmpty();
    }

    /**
     * A task printing progress without a newline ({@code 1% 2% 3% ...}) grew its thread's buffer
     * without limit; now what it holds stays under the bound, and the text is shown a line at a
     * time.
     */
    @Test
    void progressWithoutANewlineIsHeldWithinTheBound() throws Exception {
        byte[] tick = "42% ".getBytes(UTF_8);
        for (int i = 0; i < 100_000; i++) { // 400 KB, no newline
            out.write(tick);
            assertThat(out.pendingBytes()).isLessThanOrEqualTo(ConsoleOutput.MAX_PENDING + 8);
        }
        assertThat(shown().length()).isGreaterThan(390_000);
        // A multi-byte character is never cut in two.
        byte[] euro = "\u20ac".getBytes(UTF_8);
        for (int i = 0; i < 10_000; i++) {
            out.write(euro);
        }
        assertThat(shown().contains("\ufffd")).as("a character cut in two").isFalse();
        assertThat(out.pendingBytes()).isLessThanOrEqualTo(ConsoleOutput.MAX_PENDING + 8);
    }

    /** A thread that wrote half a line and ended stayed a key of the map forever. */
    @Test
    void aThreadThatEndedIsForgottenAndItsUnfinishedLineShown() throws Exception {
        Thread[] writers = new Thread[50];
        for (int i = 0; i < writers.length; i++) {
            int n = i;
            writers[i] = new Thread(() -> {
                try {
                    out.write(("partial-" + n).getBytes(UTF_8));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            writers[i].start();
            writers[i].join();
        }
        assertThat(out.pendingThreads()).as("before anyone writes again").hasSizeLessThanOrEqualTo(50);
        out.write("next\n".getBytes(UTF_8));
        assertThat(out.pendingThreads()).isEmpty();
        String shown = shown();
        assertThat(shown.contains("partial-0") && shown.contains("partial-49") && shown.contains("next"))
                .as("the ended threads' lines and the next one shown").isTrue();
    }
}
