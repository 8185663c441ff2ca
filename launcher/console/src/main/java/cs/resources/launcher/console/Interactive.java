package cs.resources.launcher.console;

import java.io.IOError;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.felix.gogo.jline.Expander;
import org.apache.felix.gogo.jline.Highlighter;
import org.apache.felix.gogo.jline.ParsedLineImpl;
import org.apache.felix.gogo.jline.Parser;
import org.apache.felix.gogo.jline.Shell;
import org.apache.felix.gogo.runtime.CommandSessionImpl;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.apache.felix.service.command.Job;
import org.jline.builtins.Completers;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.ParsedLine;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jline.utils.AttributedStringBuilder;
import org.jline.utils.AttributedStyle;

/**
 * The {@code g!} console in a terminal: JLine line editing and completion over one Gogo session,
 * as the Gogo JLine shell gives, with three differences that make it robust.
 *
 * <ul>
 *   <li>Output from other threads (tasks, the log) while the prompt is shown goes above the prompt
 *       and what is being typed ({@link ConsoleOutput}).</li>
 *   <li>No session owns the terminal's streams ({@link KeepOpen}): an interrupted task or command
 *       cannot close them, and a session whose channels an interrupt closed is replaced
 *       ({@link ShellSession}).</li>
 *   <li>Errors are printed as {@link Errors} says, not as {@code e.toString()}.</li>
 * </ul>
 *
 * <p>{@link #call()} runs the console in the calling thread (the launcher's main thread) until
 * Ctrl-D, {@code exit [status]} or {@link #stop()}, and returns the exit status.
 */
final class Interactive implements Callable<Integer> {

    private final Activator.Setup setup;
    private final CommandProcessor processor;
    private final String banner;
    private volatile boolean stopping;
    private volatile Integer exitStatus;
    private volatile Thread thread;
    private volatile Terminal terminal;
    /** The session of the command running now, for Ctrl-C. */
    private volatile CommandSession foreground;
    private volatile ConsoleOutput output;
    /** The console's session while it runs, for {@link #owns}. */
    private volatile ShellSession shell;
    /** The console session's error output, muted from a Ctrl-C to the start of the next command. */
    private volatile Mutable errors;
    /** Whether Ctrl-C interrupted the command running now. */
    private volatile boolean interrupted;

    Interactive(Activator.Setup setup, CommandProcessor processor, String banner) {
        this.setup = setup;
        this.processor = processor;
        this.banner = banner;
    }

    /** Asks the console to end after the command that is running: {@code exit}. */
    void exit(int status) {
        exitStatus = status;
    }

    /** Ends the console from another thread (the framework is stopping): closes the terminal. */
    void stop() {
        stopping = true;
        Terminal t = terminal;
        if (t != null) {
            try {
                t.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        Thread running = thread;
        if (running != null && running != Thread.currentThread()) {
            running.interrupt();
        }
    }

    /** @return whether {@code session} is the console's own (thread-safe) */
    boolean owns(CommandSession session) {
        ShellSession s = shell;
        return s != null && s.owns(session);
    }

    /** @return where other threads print to the console, or null before it runs */
    ConsoleOutput output() {
        return output;
    }

    @Override
    public Integer call() throws IOException {
        thread = Thread.currentThread();
        Terminal term = TerminalBuilder.builder()
                .name("cs.resources")
                .system(true)
                .nativeSignals(true)
                .signalHandler(Terminal.SignalHandler.SIG_IGN)
                .build();
        terminal = term;
        try {
            if (stopping) {
                return 0;
            }
            Charset charset = term.encoding();
            ConsoleOutput out = new ConsoleOutput(term.output(), charset);
            output = out;
            errors = new Mutable(out);
            PrintStream print = new PrintStream(out, true, charset);
            Terminal.SignalHandler previous = term.handle(Terminal.Signal.INT, signal -> {
                CommandSession s = foreground;
                Job job = s == null ? null : s.foregroundJob();
                if (job != null) {
                    // What the command says about its interrupt (Gogo's sleep prints
                    // "sleep: java.lang.InterruptedException") is the Ctrl-C's echo, not news.
                    errors.mute();
                    interrupted = true;
                    job.interrupt();
                }
            });
            try (ShellSession shell = new ShellSession(processor, term.input(), out, errors, charset)) {
                this.shell = shell;
                CommandSession session = shell.current();
                LineReader reader = reader(term, session, null);
                setup.run(session, print);
                print.print(banner);
                print.flush();
                int renewals = 0;
                while (!stopping && exitStatus == null) {
                    session = shell.current();
                    if (shell.renewals() != renewals) {
                        renewals = shell.renewals();
                        reader = reader(term, session, reader);
                    }
                    ParsedLine line;
                    out.prompting(reader);
                    try {
                        reader.readLine(Shell.getPrompt(session), Shell.getRPrompt(session), (Character) null, null);
                        line = reader.getParsedLine();
                    } catch (UserInterruptException e) {
                        continue; // Ctrl-C at the prompt: a fresh line
                    } catch (EndOfFileException e) {
                        break; // Ctrl-D
                    } catch (IOError | IllegalStateException e) {
                        if (stopping) {
                            break; // the terminal was closed under the reader
                        }
                        throw e;
                    } finally {
                        out.running();
                    }
                    if (line == null) {
                        break;
                    }
                    run(session, ((ParsedLineImpl) line).program(), print, term);
                }
                try {
                    reader.getHistory().save();
                } catch (IOException | RuntimeException e) {
                    // history is a convenience
                }
            } finally {
                this.shell = null;
                term.handle(Terminal.Signal.INT, previous);
            }
            Integer status = exitStatus;
            return status == null ? 0 : status;
        } finally {
            output = null;
            term.close();
            terminal = null;
            thread = null;
        }
    }

    private void run(CommandSession session, CharSequence program, PrintStream out, Terminal term) {
        interrupted = false;
        // Not at the end of the command before: what it says of its interrupt may come after
        // it returned (Gogo ends a cancelled job's wait before the job's thread has unwound).
        errors.unmute();
        foreground = session;
        try {
            Object result = session.execute(program);
            session.put(Shell.VAR_RESULT, result);
            if (result != null && !Boolean.FALSE.equals(session.get(".Gogo.format"))) {
                out.println(session.format(result, Converter.INSPECT));
            }
        } catch (Exception e) {
            session.put(Shell.VAR_EXCEPTION, e);
            if (interrupted) {
                // Ctrl-C: the terminal showed ^C; end its line, and say no more.
                out.println();
                return;
            }
            AttributedStringBuilder red = new AttributedStringBuilder()
                    .style(AttributedStyle.DEFAULT.foreground(AttributedStyle.RED))
                    .append(Errors.describe(e, program, session, processor))
                    .style(AttributedStyle.DEFAULT);
            out.println(red.toAnsi(term));
        } finally {
            waitForForegroundJob(session);
            foreground = null;
        }
    }

    /** An output stream that can be told to drop what it is given, for a while. */
    static final class Mutable extends OutputStream {
        private final OutputStream out;
        private volatile boolean muted;

        Mutable(OutputStream out) {
            this.out = out;
        }

        void mute() {
            muted = true;
        }

        void unmute() {
            muted = false;
        }

        @Override
        public void write(int b) throws IOException {
            if (!muted) {
                out.write(b);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (!muted) {
                out.write(b, off, len);
            }
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        /** Flushes; {@code out} stays open. */
        @Override
        public void close() throws IOException {
            out.flush();
        }
    }

    /** A job brought to the foreground ({@code fg}) holds the prompt until it ends, as in Gogo. */
    private static void waitForForegroundJob(CommandSession session) {
        for (Job job = session.foregroundJob(); job != null; job = session.foregroundJob()) {
            synchronized (job) {
                if (job.status() == Job.Status.Foreground) {
                    try {
                        job.wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }
    }

    /**
     * A line reader as Gogo's shell makes it (Gogo's parser, highlighter, expander and
     * completion, which the {@code complete} command feeds) over {@code session}'s variables.
     *
     * @param before the reader of the session this one replaces, whose history it keeps; or null
     */
    static LineReader reader(Terminal terminal, CommandSession session, LineReader before) {
        Completers.CompletionEnvironment completion = new Completers.CompletionEnvironment() {
            @Override
            public Map<String, List<Completers.CompletionData>> getCompletions() {
                return Shell.getCompletions(session);
            }

            @Override
            public Set<String> getCommands() {
                return Shell.getCommands(session);
            }

            @Override
            public String resolveCommand(String command) {
                return Shell.resolve(session, command);
            }

            @Override
            public String commandName(String command) {
                return command.substring(command.indexOf(':') + 1);
            }

            @Override
            public Object evaluate(LineReader reader, ParsedLine line, String function) throws Exception {
                session.put(Shell.VAR_COMMAND_LINE, line);
                return session.execute(function);
            }
        };
        LineReaderBuilder builder = LineReaderBuilder.builder()
                .terminal(terminal)
                .variables(((CommandSessionImpl) session).getVariables())
                .completer(new Completers.Completer(completion))
                .highlighter(new Highlighter(session))
                .parser(new Parser())
                .expander(new Expander(session));
        if (before != null) {
            builder.history(before.getHistory());
        }
        LineReader reader = builder.build();
        reader.setOpt(LineReader.Option.AUTO_FRESH_LINE);
        session.put(Shell.VAR_TERMINAL, terminal);
        session.put(Shell.VAR_READER, reader);
        // Karaf's name for it: the completion script (shared with Karaf) tests for it.
        session.put("jlineReader", reader);
        if (session.get(Shell.VAR_COMPLETIONS) == null) {
            session.put(Shell.VAR_COMPLETIONS, new HashMap<String, List<Completers.CompletionData>>());
        }
        if (session.get(LineReader.HISTORY_FILE) == null) {
            session.put(LineReader.HISTORY_FILE, Path.of(System.getProperty("user.home"), ".gogo.history"));
        }
        return reader;
    }
}
