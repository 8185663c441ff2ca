package cs.resources.shell;

import java.io.InputStream;
import java.io.PrintStream;
import org.apache.felix.service.command.CommandSession;
import org.apache.karaf.shell.api.console.Session;

/**
 * Karaf's console, for {@link TaskSession}. Karaf keeps its own session object in each Gogo
 * session (variable {@value #SESSION_VARIABLE}) and its commands, {@code echo} and {@code log:log}
 * among them, fail without it; a Gogo child session made by the command processor lacks it. A
 * child Karaf session has its own Gogo session that holds it.
 *
 * <p>Loaded only when Karaf's console API is wired to this bundle: it is an optional import.
 */
final class KarafConsole {
    /** The Gogo variable in which Karaf's console keeps its session. */
    static final String SESSION_VARIABLE = ".session";
    /** The variable of a Karaf session that holds its Gogo session. */
    private static final String COMMAND_SESSION_VARIABLE = ".commandSession";

    private KarafConsole() {
    }

    /**
     * @param parent the value of {@value #SESSION_VARIABLE} in the caller's Gogo session
     * @return a child session printing to the parent's console, with no keyboard (a background
     *     task must not read the user's input); null if {@code parent} is not a Karaf session
     */
    static TaskSession childOf(Object parent) {
        if (!(parent instanceof Session karaf)) {
            return null;
        }
        PrintStream console = karaf.getConsole();
        Session child = karaf.getFactory().create(InputStream.nullInputStream(), console, console, karaf);
        if (!(child.get(COMMAND_SESSION_VARIABLE) instanceof CommandSession commands)) {
            child.close();
            return null;
        }
        return new TaskSession(commands, child::close);
    }
}
