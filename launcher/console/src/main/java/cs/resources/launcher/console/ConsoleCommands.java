package cs.resources.launcher.console;

import java.util.function.IntConsumer;
import org.apache.felix.service.command.Descriptor;

/**
 * The console's own commands, scope {@value #SCOPE}, found before Gogo's and the system's
 * (the session's {@code SCOPE} starts with it): {@code exit}.
 */
public final class ConsoleCommands {
    static final String SCOPE = "console";
    static final String[] FUNCTIONS = {"exit"};

    private final IntConsumer exit;

    ConsoleCommands(IntConsumer exit) {
        this.exit = exit;
    }

    /** Leaves with status 0. */
    @Descriptor("stop the framework and leave with exit status 0")
    public void exit() {
        exit.accept(0);
    }

    /** Leaves with {@code status}. */
    @Descriptor("stop the framework and leave with this exit status")
    public void exit(@Descriptor("the exit status, 0 to 255") int status) {
        if (status < 0 || status > 255) {
            throw new IllegalArgumentException("exit: the status must be 0 to 255, not " + status);
        }
        exit.accept(status);
    }
}
