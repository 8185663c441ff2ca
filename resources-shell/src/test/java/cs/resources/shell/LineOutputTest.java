package cs.resources.shell;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;

/** A task session's output: whole lines to the console, and a bounded unfinished one. */
class LineOutputTest {

    private final ByteArrayOutputStream console = new ByteArrayOutputStream();
    private final TaskSession.LineOutput out = new TaskSession.LineOutput(new PrintStream(console, true, UTF_8),
            () -> false);

    @Test
    void aLineGoesToTheConsoleWhenItEnds() {
        out.write("tick".getBytes(UTF_8), 0, 4);
        assertThat(console.size()).isZero();
        out.write("ed\nnext".getBytes(UTF_8), 0, 7);
        assertThat(console.toString(UTF_8)).isEqualTo("ticked\n");
        assertThat(out.held()).isEqualTo(4);
        out.flush();
        assertThat(console.toString(UTF_8)).isEqualTo("ticked\nnext");
    }

    /** Progress printed without a newline grew the buffer without limit; now it is passed on. */
    @Test
    void progressWithoutANewlineIsPassedOnBeforeTheBufferGrowsPastItsBound() {
        byte[] tick = "42% ".getBytes(UTF_8);
        for (int i = 0; i < 100_000; i++) {
            out.write(tick, 0, tick.length);
            assertThat(out.held()).isLessThan(TaskSession.LineOutput.MAX_LINE);
        }
        assertThat(console.size() + out.held()).isEqualTo(400_000);
        byte[] tail = "50% ".repeat(2_000).concat("\nrest").getBytes(UTF_8);
        out.write(tail, 0, tail.length);
        assertThat(out.held()).isEqualTo(4);
    }
}
