package cs.resources.launcher.console;

import java.util.function.IntConsumer;
import java.util.function.Predicate;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;

/**
 * The console's own commands, scope {@value #SCOPE}, found before Gogo's and the system's
 * (the session's {@code SCOPE} starts with it): {@code exit}.
 *
 * <p>Only the console's own session may leave the console. A task's closure runs in a session of
 * its own ({@code resources:run}), and there {@code exit} throws instead: the task ends, failed,
 * and the console goes on. The same object also answers {@code system:exit} (which would otherwise
 * be {@link System#exit(int)}, ending the JVM from any thread without stopping the framework).
 */
public final class ConsoleCommands {
    static final String SCOPE = "console";
    static final String[] FUNCTIONS = {"exit"};

    private final IntConsumer exit;
    private final Predicate<CommandSession> console;

    /**
     * @param exit leaves the console with a status
     * @param console whether a session is the console's own (the only one that may leave it)
     */
    ConsoleCommands(IntConsumer exit, Predicate<CommandSession> console) {
        this.exit = exit;
        this.console = console;
    }

    /** Leaves with status 0. */
    @Descriptor("stop the framework and leave with exit status 0 (in a task: end the task)")
    public void exit(CommandSession session) {
        exit(session, 0);
    }

    /** Leaves with {@code status}. */
    @Descriptor("stop the framework and leave with this exit status (in a task: end the task)")
    public void exit(CommandSession session, @Descriptor("the exit status, 0 to 255") int status) {
        if (status < 0 || status > 255) {
            throw new IllegalArgumentException("exit: the status must be 0 to 255, not " + status);
        }
        if (session == null || !console.test(session)) {
            throw new IllegalStateException(notTheConsole(status));
        }
        exit.accept(status);
    }

    /** @return what a task's {@code exit} fails with: the task ends, the console stays */
    static String notTheConsole(int status) {
        return "exit " + status + " ends this task, not the console";
    }
}
