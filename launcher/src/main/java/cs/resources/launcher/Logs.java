package cs.resources.launcher;

import java.io.ByteArrayOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import java.util.logging.StreamHandler;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.util.tracker.ServiceTracker;

/**
 * Where the log goes (what bundles report through {@code System.Logger} or
 * {@code java.util.logging}: the task service's failures, FileInstall's doings, leaks; with
 * {@code --web} also what pax-logging-api is given through SLF4J): all of it, with stack traces,
 * to a file in the framework's storage ({@link LogFile}); warnings and errors also to the console,
 * one line each of at most {@value #LINE_LIMIT} characters ({@code WARNING: task "x" of
 * TaskService[...] failed: IllegalStateException: boom}), through the console's log sink when it
 * has one (so they go above the prompt), else to standard error.
 */
final class Logs {

    /** The console's log sink service property (cs.resources.launcher.console's Activator.LOG_SINK). */
    static final String SINK = "cs.resources.launcher.log";
    /** The longest console line a log record makes. */
    static final int LINE_LIMIT = 200;
    /** What a console line cut at {@link #LINE_LIMIT} ends with. */
    static final String CUT = "... (see the log)";

    private Logs() {
    }

    /** Replaces the JVM's logging setup: {@code file} and the console. */
    static Setup configure(Path file, PrintStream stderr) throws IOException {
        LogManager.getLogManager().reset();
        Logger root = Logger.getLogger("");
        root.setLevel(Level.INFO);
        LogFile toFile = new LogFile(file);
        root.addHandler(toFile);
        ConsoleHandler toConsole = new ConsoleHandler(stderr);
        root.addHandler(toConsole);
        return new Setup(toFile, toConsole);
    }

    /** What {@link #configure} set up. */
    record Setup(LogFile file, ConsoleHandler console) {
        void close() {
            console.close();
            file.close();
        }
    }

    /**
     * One console line for a record: the level, the message's first line and, for a throwable,
     * its class's simple name and its message's first line; control characters (the tabs of a
     * stack joined into a message) as spaces; at most {@value #LINE_LIMIT} characters, a longer
     * line cut and ending with {@value #CUT}.
     */
    static String oneLine(Level level, String message, Throwable thrown) {
        StringBuilder b = new StringBuilder(level.getName()).append(": ").append(firstLine(message));
        if (thrown != null) {
            b.append(": ").append(thrown.getClass().getSimpleName());
            if (thrown.getMessage() != null) {
                b.append(": ").append(firstLine(thrown.getMessage()));
            }
        }
        for (int i = 0; i < b.length(); i++) {
            char c = b.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                b.setCharAt(i, ' ');
            }
        }
        if (b.length() > LINE_LIMIT) {
            int end = LINE_LIMIT - CUT.length();
            if (Character.isHighSurrogate(b.charAt(end - 1))) {
                end--;
            }
            b.setLength(end);
            b.append(CUT);
        }
        return b.toString();
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int end = s.length();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\n' || c == '\r') {
                end = i;
                break;
            }
        }
        return s.substring(0, end).strip();
    }

    /**
     * The log file: every record, formatted by {@link SimpleFormatter} (with its stack trace),
     * appended; and the lines of pax-logging-api's own output, as they come ({@link #raw}). One
     * stream, written under this handler's monitor, so the two never mix within a line.
     */
    static final class LogFile extends StreamHandler {
        private final OutputStream out;

        LogFile(Path file) throws IOException {
            this(new FileOutputStream(file.toFile(), true));
        }

        private LogFile(OutputStream out) {
            super(out, new SimpleFormatter());
            this.out = out;
            setLevel(Level.ALL);
            setEncoding0();
        }

        private void setEncoding0() {
            try {
                setEncoding(StandardCharsets.UTF_8.name());
            } catch (IOException e) {
                throw new IllegalStateException(e); // UTF-8 is always there
            }
        }

        @Override
        public synchronized void publish(LogRecord record) {
            super.publish(record);
            flush();
        }

        /** Appends {@code text} as it is (a line of another logger's output). */
        synchronized void raw(String text) {
            flush();
            try {
                out.write(text.getBytes(StandardCharsets.UTF_8));
                out.flush();
            } catch (IOException e) {
                reportError("cannot write the log", e, java.util.logging.ErrorManager.WRITE_FAILURE);
            }
        }
    }

    /**
     * What pax-logging-api (the SLF4J API of the {@code --web} bundles, with no back end) prints:
     * a header line per message ({@code <bundle> [<logger>] WARN : <message>}), then the
     * throwable's stack. A header becomes a log record of its level (so a warning is one console
     * line too); every other line goes to the log file only. Lines are kept whole up to
     * {@value #MAX_LINE} bytes, then passed on in pieces: the buffer never grows beyond that.
     * Thread-safe: {@link #line} is guarded by {@code this}; records are logged outside it.
     */
    static final class PaxLines extends OutputStream {
        static final int MAX_LINE = 16 * 1024;
        private static final Pattern HEADER =
                Pattern.compile("\\S+ \\[([^\\]]*)\\] (TRACE|DEBUG|INFO|WARN|ERROR|FATAL|AUDIT) : (.*)");

        private final LogFile file;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        PaxLines(LogFile file) {
            this.file = file;
        }

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            List<String> complete = new ArrayList<>();
            synchronized (this) {
                for (int i = off; i < off + len; i++) {
                    line.write(b[i]);
                    if (b[i] == '\n' || line.size() >= MAX_LINE) {
                        complete.add(line.toString(StandardCharsets.UTF_8));
                        line.reset();
                    }
                }
            }
            // Outside the lock: a record goes to the console's sink.
            complete.forEach(this::emit);
        }

        @Override
        public void flush() {
            // A line waits for its end: pax prints a header in pieces and flushes after each message.
        }

        private void emit(String text) {
            Matcher header = HEADER.matcher(text.stripTrailing());
            if (header.matches()) {
                LogRecord r = new LogRecord(level(header.group(2)), header.group(3));
                r.setLoggerName(header.group(1));
                r.setSourceClassName(header.group(1)); // not this class, which JUL would infer
                r.setSourceMethodName(null);
                Logger.getLogger(header.group(1)).log(r);
            } else {
                file.raw(text);
            }
        }

        private static Level level(String pax) {
            return switch (pax) {
                case "TRACE" -> Level.FINEST;
                case "DEBUG" -> Level.FINE;
                case "WARN" -> Level.WARNING;
                case "ERROR", "FATAL" -> Level.SEVERE;
                default -> Level.INFO;
            };
        }
    }

    /** One line per warning or error, without the stack trace: {@link #oneLine}. */
    static final class ConsoleHandler extends Handler {
        private final PrintStream stderr;
        private volatile ServiceTracker<Consumer<String>, Consumer<String>> sinks;

        ConsoleHandler(PrintStream stderr) {
            this.stderr = stderr;
            setLevel(Level.WARNING);
            setFormatter(new Formatter() {
                @Override
                public String format(LogRecord r) {
                    return oneLine(r.getLevel(), formatMessage(r), r.getThrown());
                }
            });
        }

        /** From now on, lines go to the console's sink while there is one. */
        @SuppressWarnings({"unchecked", "rawtypes"})
        void useConsoleOf(BundleContext context) throws InvalidSyntaxException {
            ServiceTracker t = new ServiceTracker(context,
                    context.createFilter("(&(objectClass=java.util.function.Consumer)(" + SINK + "=true))"), null);
            t.open();
            sinks = t;
        }

        @Override
        public void publish(LogRecord record) {
            if (!isLoggable(record)) {
                return;
            }
            String line = getFormatter().format(record);
            ServiceTracker<Consumer<String>, Consumer<String>> t = sinks;
            Consumer<String> sink = t == null ? null : t.getService();
            if (sink != null) {
                try {
                    sink.accept(line);
                    return;
                } catch (RuntimeException e) {
                    // the console is going: standard error will do
                }
            }
            stderr.println(line);
        }

        @Override
        public void flush() {
            stderr.flush();
        }

        @Override
        public void close() {
            ServiceTracker<?, ?> t = sinks;
            sinks = null;
            if (t != null) {
                t.close();
            }
        }
    }
}
