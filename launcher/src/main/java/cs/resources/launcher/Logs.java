package cs.resources.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.logging.FileHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.util.tracker.ServiceTracker;

/**
 * Where the log goes (what bundles report through {@code System.Logger} or
 * {@code java.util.logging}: the task service's failures, FileInstall's doings, leaks): all of it,
 * with stack traces, to a file in the framework's storage; warnings and errors also to the
 * console, one line each ({@code WARNING: task "x" of TaskService[...] failed:
 * IllegalStateException: boom}), through the console's log sink when it has one (so they go above
 * the prompt), else to standard error.
 */
final class Logs {

    /** The console's log sink service property (cs.resources.launcher.console's Activator.LOG_SINK). */
    static final String SINK = "cs.resources.launcher.log";

    private Logs() {
    }

    /** Replaces the JVM's logging setup: {@code file} and the console. */
    static ConsoleHandler configure(Path file, PrintStream stderr) throws IOException {
        LogManager.getLogManager().reset();
        Logger root = Logger.getLogger("");
        root.setLevel(Level.INFO);
        FileHandler toFile = new FileHandler(file.toString(), true);
        toFile.setFormatter(new SimpleFormatter());
        toFile.setLevel(Level.ALL);
        root.addHandler(toFile);
        ConsoleHandler toConsole = new ConsoleHandler(stderr);
        root.addHandler(toConsole);
        return toConsole;
    }

    /** One line per warning or error, without the stack trace. */
    static final class ConsoleHandler extends Handler {
        private final PrintStream stderr;
        private volatile ServiceTracker<Consumer<String>, Consumer<String>> sinks;

        ConsoleHandler(PrintStream stderr) {
            this.stderr = stderr;
            setLevel(Level.WARNING);
            setFormatter(new Formatter() {
                @Override
                public String format(LogRecord r) {
                    StringBuilder b = new StringBuilder(r.getLevel().getName()).append(": ").append(formatMessage(r));
                    Throwable t = r.getThrown();
                    if (t != null) {
                        b.append(": ").append(t.getClass().getSimpleName());
                        if (t.getMessage() != null) {
                            b.append(": ").append(t.getMessage());
                        }
                    }
                    return b.toString().replace('\n', ' ');
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
