package cs.resources.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TableTest {
    private static String print(Table t, boolean plain) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        t.print(new PrintStream(bytes, true, StandardCharsets.UTF_8), plain);
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void alignsColumnsAndRightAlignsNumbers() {
        Table t = new Table("#ID", "NAME", "#COUNT").row(7, "alpha", 12345).row(1234, "b", 2);
        assertThat(print(t, false)).isEqualTo(
                "  ID  NAME   COUNT\n"
                + "   7  alpha  12345\n"
                + "1234  b          2\n");
    }

    @Test
    void lastTextColumnIsNotPaddedWithTrailingSpaces() {
        Table t = new Table("#ID", "NAME").row(1, "a-long-name").row(2, "b");
        assertThat(print(t, false).lines()).allMatch(l -> !l.endsWith(" "));
    }

    @Test
    void plainIsTabSeparatedWithoutHeader() {
        Table t = new Table("#ID", "NAME").row(7, "alpha").row(8, "beta");
        assertThat(print(t, true)).isEqualTo("7\talpha\n8\tbeta\n");
    }

    @Test
    void escapesControlCharactersSoNoCellCanForgeARowOrDriveTheTerminal() {
        Table t = new Table("NAME").row("a\tb\nc\u001b[2Jd\u009be\u202ef\\g");
        String plain = print(t, true);
        assertThat(plain).isEqualTo("a\\u0009b\\u000ac\\u001b[2Jd\\u009be\\u202ef\\\\g\n");
        assertThat(print(t, false)).doesNotContain("\u001b", "\t", "\u009b", "\u202e");
        assertThat(print(t, false).lines()).hasSize(2);
    }

    @Test
    void keepsNonAsciiLetters() {
        assertThat(print(new Table("NAME").row("Grüße, 東京"), true)).isEqualTo("Grüße, 東京\n");
    }

    @Test
    void rejectsARowOfTheWrongWidth() {
        Table t = new Table("A", "B");
        assertThatThrownBy(() -> t.row("only one")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("row of 1 cells in a table of 2 columns");
        assertThat(t.size()).isZero();
    }
}
