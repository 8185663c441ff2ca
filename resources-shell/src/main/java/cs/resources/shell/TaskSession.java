package cs.resources.shell;

import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;

/**
 * The Gogo session that a closure of {@code resources:run} runs in. It is a session of its own,
 * sharing the caller's output and holding a copy of the caller's variables (so that the closure
 * sees what the user set): Gogo runs one foreground job per session, and the caller's session goes
 * on with the user's next command while the task runs.
 *
 * <ul>
 *   <li>In Karaf's console, a child of the caller's Karaf session (see {@link KarafConsole}):
 *       Karaf's commands find their Karaf session in it, which a plain Gogo session lacks.</li>
 *   <li>In the Felix Gogo shell, a child session from the {@link CommandProcessor}.</li>
 *   <li>Without either, the caller's own session.</li>
 * </ul>
 *
 * <p>{@link #close()} is idempotent and thread-safe: a cancel and the task's end both close it.
 */
final class TaskSession implements AutoCloseable {

    /** Whether Karaf's console API is wired to this bundle (an optional import). */
    private static final boolean KARAF = isWired("org.apache.karaf.shell.api.console.Session");

    private final CommandSession commands;
    private final AutoCloseable onClose;
    private final AtomicBoolean closed = new AtomicBoolean();

    TaskSession(CommandSession commands, AutoCloseable onClose) {
        this.commands = commands;
        this.onClose = onClose;
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
            CommandSession child = processor.createSession(caller);
            copyVariables(caller, child, name -> true);
            return new TaskSession(child, child::close);
        }
        return new TaskSession(caller, () -> { });
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

    private static boolean isWired(String className) {
        try {
            Class.forName(className, false, TaskSession.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
