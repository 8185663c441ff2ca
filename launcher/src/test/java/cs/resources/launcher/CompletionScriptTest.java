package cs.resources.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.felix.service.command.Descriptor;
import org.junit.jupiter.api.Test;

/**
 * The completion script (one file for Karaf's console and the launcher's) stays in step with the
 * commands: every function of {@code ResourcesCommands} has completions, and every option of
 * theirs is offered, short and long.
 */
class CompletionScriptTest {

    private static final Path SCRIPT = Path.of("..", "karaf", "src", "main", "karaf", "resources.completion.script");

    /**
     * Quotes that either parser takes for the start of a string: an apostrophe in a comment
     * (Karaf's parser pairs them across comment lines) or inside double quotes (Gogo's opens a
     * single quote there: {@code "pool's"} lost every completion after it). Each parser is run on
     * the file too (CompletionScriptGogoTest, the Karaf test); this says which line, at once.
     */
    @Test
    void noApostropheThatAParserWouldTakeForAQuote() throws IOException {
        java.util.List<String> lines = Files.readAllLines(SCRIPT);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            String where = "line " + (i + 1) + ": " + line;
            if (line.startsWith("//") || line.startsWith("#")) {
                assertThat(line).as(where).doesNotContain("'");
                continue;
            }
            boolean inDouble = false;
            boolean inSingle = false;
            for (char c : line.toCharArray()) {
                if (c == '"' && !inSingle) {
                    inDouble = !inDouble;
                } else if (c == '\'' && !inDouble) {
                    inSingle = !inSingle;
                } else if (c == '\'' && inDouble) {
                    throw new AssertionError("an apostrophe inside double quotes, " + where);
                }
            }
            assertThat(inSingle || inDouble).as("a quote left open, " + where).isFalse();
        }
    }

    @Test
    void everyCommandAndOptionIsCompleted() throws IOException, ClassNotFoundException {
        String script = Files.readString(SCRIPT);
        Class<?> commands = Class.forName("cs.resources.shell.ResourcesCommands");
        // The functions: the public methods with a @Descriptor (@GogoCommand is not kept at run time).
        var functions = java.util.Arrays.stream(commands.getMethods())
                .filter(m -> m.isAnnotationPresent(Descriptor.class)).map(Method::getName).distinct().toList();
        assertThat(functions).contains("cancel", "run", "runstates");
        for (String function : functions) {
            assertThat(script).as("completions of resources:" + function)
                    .contains("complete -c resources:" + function + " -e");
            for (Method m : commands.getMethods()) {
                if (!m.getName().equals(function)) {
                    continue;
                }
                for (Parameter p : m.getParameters()) {
                    var option = p.getAnnotation(org.apache.felix.service.command.Parameter.class);
                    if (option == null) {
                        continue;
                    }
                    for (String name : option.names()) {
                        String flag = name.startsWith("--") ? "-l " + name.substring(2) : "-s " + name.substring(1);
                        assertThat(script).as("option " + name + " of resources:" + function)
                                .containsPattern("complete -c resources:" + function + " .*" + flag + "\\b");
                    }
                }
            }
        }
    }
}
