package cs.resources.shell;

import cs.resources.RunState;
import cs.resources.runtime.Printable;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Function;

/**
 * The Gogo session that a closure of {@code resources:run} runs in. It is a session of its own,
 * sharing the caller's output and holding a copy of the caller's variables (so that the closure
 * sees what the user set): Gogo runs one foreground job per session, and the caller's session goes
 * on with the user's next command while the task runs.
 *
 * <ul>
 *   <li>In Karaf's console, a child of the caller's Karaf session (see {@link KarafConsole}):
 *       Karaf's commands find their Karaf session in it, which a plain Gogo session lacks.</li>
 *   <li>In the Felix Gogo shell (and the launcher's console), a new session from the
 *       {@link CommandProcessor} with streams of its own:
 *       <ul>
 *         <li>its input is empty (end of file at once): a background task never reads the
 *             keyboard, which the console is reading;</li>
 *         <li>its output and error output write, a line at a time, to the caller's console
 *             ({@link CommandSession#getConsole()}) without owning it. Gogo wraps a session's
 *             streams in interruptible NIO channels, and an interrupted thread that writes through
 *             one closes it, and the stream under it: sharing the caller's channels, as a child
 *             session does, a cancelled task could close the console, even the JVM's file
 *             descriptor 1. Here it closes only its own stream, which closes nothing;</li>
 *         <li>once the task's RunState is cancelled ({@link #bind(RunState)}), its error output
 *             is dropped: what a command says about being interrupted
 *             ({@code sleep: java.lang.InterruptedException}) is the cancel's echo, not news;</li>
 *         <li>{@code exit} ends the task, as a failure ({@link #EXIT}), never the console: in a
 *             stock Felix Gogo shell it would be {@code system:exit}, the JVM's end.</li>
 *       </ul></li>
 *   <li>Without either, the caller's own session.</li>
 * </ul>
 *
 * <p>{@link #close()} is idempotent and thread-safe: a cancel and the task's end both close it.
 */
final class TaskSession implements AutoCloseable {

    /**
     * What {@code exit [status]} is in a task's session (a variable: Gogo looks a command's name up
     * among the session's variables first): it throws, so the task ends, failed, and says so.
     */
    static final Function EXIT = (session, arguments) -> {
        throw new IllegalStateException("exit " + (arguments.isEmpty() ? "0" : Printable.escape(
                String.valueOf(arguments.get(0)))) + " ends this task, not the console");
    };

    /** Whether Karaf's console API is wired to this bundle (an optional import). */
    private static final boolean KARAF = isWired("org.apache.karaf.shell.api.console.Session");

    private final CommandSession commands;
    private final AutoCloseable onClose;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** The task's RunState once it runs (set once, by {@link #bind}). */
    private final AtomicReference<RunState> runState;

    TaskSession(CommandSession commands, AutoCloseable onClose) {
        this(commands, onClose, new AtomicReference<>());
    }

    private TaskSession(CommandSession commands, AutoCloseable onClose, AtomicReference<RunState> runState) {
        this.commands = commands;
        this.onClose = onClose;
        this.runState = runState;
    }

    /**
     * @param caller the session {@code resources:run} was called in
     * @param processor Gogo's command processor, or null if there is none
     * @return a session for the closure; closing it never closes {@code caller}
     */
    static TaskSession open(CommandSession caller, CommandProcessor processor) {
        if (KARAF) {
            Object karafSession = caller.get(KarafConsole.SESSION_VARIABLE);
            if (karafSession != null) {
                TaskSession child = KarafConsole.childOf(karafSession);
                if (child != null) {
                    // Not the variables the child holds already (its Karaf session, scope, user),
                    // nor the caller's internal ones (its line reader, terminal, completions).
                    copyVariables(caller, child.commands, name -> !name.startsWith("."));
                    return child;
                }
            }
        }
        if (processor != null) {
            PrintStream console = caller.getConsole();
            AtomicReference<RunState> task = new AtomicReference<>();
            BooleanSupplier cancelled = () -> task.get() != null && task.get().isCancelled();
            CommandSession child = processor.createSession(InputStream.nullInputStream(),
                    new PrintStream(new LineOutput(console, () -> false), true),
                    new PrintStream(new LineOutput(console, cancelled), true));
            copyVariables(caller, child, name -> true);
            child.put("exit", EXIT);
            return new TaskSession(child, child::close, task);
        }
        return new TaskSession(caller, () -> { });
    }

    /**
     * Tells the session which RunState its task runs under: once that is cancelled, the session's
     * error output is dropped (sessions other than the Felix shell's ignore this).
     */
    void bind(RunState taskRunState) {
        runState.set(taskRunState);
    }

    /** @return the Gogo session to run the closure in */
    CommandSession commands() {
        return commands;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            try {
                onClose.close();
            } catch (Exception e) {
                System.getLogger(TaskSession.class.getName()).log(System.Logger.Level.DEBUG, "closing a task session", e);
            }
        }
    }

    /** Copies the variables of {@code from} that {@code to} does not hold and {@code wanted} accepts. */
    private static void copyVariables(CommandSession from, CommandSession to, Predicate<String> wanted) {
        // Gogo lists a session's variable names as get(null).
        if (!(from.get(null) instanceof Set<?> names)) {
            return;
        }
        Set<?> own = to.get(null) instanceof Set<?> held ? Set.copyOf(held) : Set.of();
        for (Object n : names) {
            String name = n.toString();
            if (!own.contains(name) && wanted.test(name)) {
                to.put(name, from.get(name));
            }
        }
    }

    /**
     * Writes whole lines to a console it does not own: what it is given waits for its line's end
     * (or a flush) and then goes to the console in one write, so that the lines of concurrent
     * tasks do not mix. An unfinished line longer than {@value #MAX_LINE} bytes (progress printed
     * without a newline) goes to the console as it is, so the buffer stays bounded. {@code close()}
     * flushes and closes nothing. Thread-safe: {@link #line} is guarded by {@code this}; the
     * console is written outside that lock.
     */
    static final class LineOutput extends OutputStream {
        /** The longest unfinished line held, in bytes. */
        static final int MAX_LINE = 4096;
        private final PrintStream console;
        private final BooleanSupplier silenced;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        LineOutput(PrintStream console, BooleanSupplier silenced) {
            this.console = console;
            this.silenced = silenced;
        }

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            if (silenced.getAsBoolean()) {
                return;
            }
            int end = off + len;
            int lastNewline = -1;
            for (int i = end - 1; i >= off; i--) {
                if (b[i] == '\n') {
                    lastNewline = i;
                    break;
                }
            }
            byte[] whole;
            synchronized (this) {
                if (lastNewline < 0) {
                    line.write(b, off, len);
                    if (line.size() < MAX_LINE) {
                        return;
                    }
                    whole = line.toByteArray();
                    line.reset();
                } else {
                    line.write(b, off, lastNewline + 1 - off);
                    whole = line.toByteArray();
                    line.reset();
                    line.write(b, lastNewline + 1, end - lastNewline - 1);
                    if (line.size() >= MAX_LINE) {
                        byte[] rest = line.toByteArray();
                        line.reset();
                        whole = java.util.Arrays.copyOf(whole, whole.length + rest.length);
                        System.arraycopy(rest, 0, whole, whole.length - rest.length, rest.length);
                    }
                }
            }
            console.write(whole, 0, whole.length);
            console.flush();
        }

        /** @return the bytes of the unfinished line held, for the tests */
        synchronized int held() {
            return line.size();
        }

        @Override
        public void flush() {
            byte[] partial;
            synchronized (this) {
                partial = line.toByteArray();
                line.reset();
            }
            if (partial.length > 0 && !silenced.getAsBoolean()) {
                console.write(partial, 0, partial.length);
            }
            console.flush();
        }

        /** Flushes; the console stays open. */
        @Override
        public void close() {
            flush();
        }
    }

    private static boolean isWired(String className) {
        try {
            Class.forName(className, false, TaskSession.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
