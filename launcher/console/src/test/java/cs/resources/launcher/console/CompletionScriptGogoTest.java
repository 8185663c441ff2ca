package cs.resources.launcher.console;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.felix.framework.FrameworkFactory;
import org.apache.felix.gogo.jline.Builtin;
import org.apache.felix.gogo.jline.Converters;
import org.apache.felix.gogo.jline.Posix;
import org.apache.felix.gogo.jline.Procedural;
import org.apache.felix.gogo.jline.Shell;
import org.apache.felix.gogo.runtime.CommandProcessorImpl;
import org.apache.felix.gogo.runtime.threadio.ThreadIOImpl;
import org.apache.felix.service.command.CommandSession;
import org.jline.reader.Candidate;
import org.jline.reader.LineReader;
import org.jline.reader.ParsedLine;
import org.jline.reader.Parser;
import org.jline.reader.impl.LineReaderImpl;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;

/**
 * The completion script (one file for the launcher's console and Karaf's) as Gogo reads it: the
 * console's own setup ({@link Activator#interactiveSetup}: Gogo's default profile, then the
 * script) in a real Gogo session over a real framework, then Tab completion as JLine asks for it.
 * A quote Gogo's parser takes for an opening one ({@code "pool's"}: Gogo opens a quote inside
 * double quotes) makes the whole script fail, and every completion after it is lost: so the test
 * completes the command of the script's last lines.
 */
class CompletionScriptGogoTest {

    @TempDir
    Path dir;

    private Framework framework;
    private ThreadIOImpl threadIO;
    private CommandProcessorImpl processor;
    private Terminal terminal;

    @BeforeEach
    void gogo() throws Exception {
        framework = new FrameworkFactory().newFramework(Map.of(Constants.FRAMEWORK_STORAGE, dir.resolve("felix").toString(),
                Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT));
        framework.start();
        threadIO = new ThreadIOImpl();
        threadIO.start();
        processor = new CommandProcessorImpl(threadIO);
        // What Gogo's runtime bundle gives its sessions (its activator's doing), and the commands
        // gogo.jline registers.
        processor.addConstant(".context", framework.getBundleContext());
        for (String function : new String[] {"addCommand", "removeCommand", "eval"}) {
            processor.addCommand("osgi", processor, function);
        }
        processor.addConverter(new Converters(framework.getBundleContext()));
        Shell.Context context = new Shell.Context() {
            @Override
            public String getProperty(String name) {
                return framework.getBundleContext().getProperty(name);
            }

            @Override
            public void exit() {
                throw new IllegalStateException("not in this test");
            }
        };
        for (Object commands : new Object[] {new Builtin(), new Procedural(), new Posix(processor),
                new Shell(context, processor)}) {
            for (String function : GogoCommands.functions(commands.getClass())) {
                processor.addCommand("gogo", commands, function);
            }
        }
        terminal = TerminalBuilder.builder().system(false).dumb(true).type("dumb")
                .streams(new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream()).build();
    }

    @AfterEach
    void stop() throws Exception {
        terminal.close();
        processor.stop();
        threadIO.stop();
        framework.stop();
        framework.waitForStop(30_000);
    }

    @Test
    void theConsolesSetupReadsTheWholeScriptAndTabCompletesFromItsLastLines() throws Exception {
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        try (PrintStream err = new PrintStream(errors, true, UTF_8);
                PrintStream out = new PrintStream(output, true, UTF_8);
                CommandSession session = processor.createSession(new ByteArrayInputStream(new byte[0]), out, err)) {
            session.put(LineReader.HISTORY_FILE, dir.resolve("history"));
            LineReader reader = Interactive.reader(terminal, session, null);

            Activator.interactiveSetup(session, err);

            assertThat(errors.toString(UTF_8)).as("what the setup reported").isEmpty();
            assertThat(output.toString(UTF_8)).as("what the setup printed").doesNotContain("ERROR", "Exception");
            // The script's last lines: resources:run and its option.
            assertThat(complete(reader, "resources:run -")).contains("-e", "--every");
            assertThat(complete(reader, "resources:pools -")).contains("-p", "--plain", "-v", "--verbose");
            assertThat(complete(reader, "resources:runstates -")).contains("-a", "--all", "-p", "--plain");
            // Gogo's own, from the profile read before the script, still there.
            assertThat(complete(reader, "gogo:history --")).contains("--clear", "--save");
        }
    }

    /** @return what Tab offers at the end of {@code line}, as the console's line reader asks for it */
    private static List<String> complete(LineReader reader, String line) {
        ParsedLine parsed = reader.getParser().parse(line, line.length(), Parser.ParseContext.COMPLETE);
        List<Candidate> candidates = new ArrayList<>();
        ((LineReaderImpl) reader).getCompleter().complete(reader, parsed, candidates);
        return candidates.stream().map(Candidate::value).toList();
    }
}
