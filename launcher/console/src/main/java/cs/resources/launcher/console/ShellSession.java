package cs.resources.launcher.console;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.util.Set;
import org.apache.felix.gogo.runtime.CommandSessionImpl;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;

/**
 * The console's Gogo session, which an interrupt cannot break for good.
 *
 * <p>The session reads and writes the console through {@link KeepOpen} streams. If an interrupt
 * closed the session's channels (a Ctrl-C while a command printed, say), the next
 * {@link #current()} makes a fresh session over the same console and copies the variables over,
 * so the user keeps their variables and the console keeps working.
 *
 * <p>Not thread-safe, but for {@link #owns}: one console thread uses it.
 */
final class ShellSession implements AutoCloseable {

    private final CommandProcessor processor;
    private final InputStream in;
    private final OutputStream out;
    private final OutputStream err;
    private final Charset charset;

    /** Written by the console's thread only; volatile for {@link #owns}. */
    private volatile CommandSession session;
    private KeepOpen.Input sessionIn;
    private KeepOpen.Output sessionOut;
    private KeepOpen.Output sessionErr;
    private int renewals;

    /**
     * @param in what the console's commands read (the keyboard, or nothing)
     * @param out the console's output
     * @param err the console's error output; may be {@code out}
     */
    ShellSession(CommandProcessor processor, InputStream in, OutputStream out, OutputStream err, Charset charset) {
        this.processor = processor;
        this.in = in;
        this.out = out;
        this.err = err;
        this.charset = charset;
        this.session = open();
    }

    private CommandSession open() {
        sessionIn = new KeepOpen.Input(in);
        sessionOut = new KeepOpen.Output(out);
        sessionErr = err == out ? sessionOut : new KeepOpen.Output(err);
        PrintStream pout = new PrintStream(sessionOut, true, charset);
        PrintStream perr = sessionErr == sessionOut ? pout : new PrintStream(sessionErr, true, charset);
        CommandSession created = processor.createSession(sessionIn, pout, perr);
        if (created instanceof CommandSessionImpl impl) {
            // Gogo's `new` loads classes through the session's class loader, by default Gogo's
            // runtime, which sees no JLine: the completion scripts make JLine Candidates.
            impl.classLoader(ShellSession.class.getClassLoader());
        }
        return created;
    }

    /**
     * @return the session, renewed (variables copied) if an interrupt has closed the channels of
     *     the one before
     */
    CommandSession current() {
        if (sessionIn.closed() || sessionOut.closed() || sessionErr.closed()) {
            CommandSession broken = session;
            session = open();
            copyVariables(broken, session);
            broken.close();
            renewals++;
        }
        return session;
    }

    /**
     * @return whether {@code s} is this console's session (the current one): thread-safe, for
     *     commands that only the console may run ({@code exit})
     */
    boolean owns(CommandSession s) {
        return s != null && s == session;
    }

    /** @return how many times the session was renewed (for the tests and the curious) */
    int renewals() {
        return renewals;
    }

    @Override
    public void close() {
        session.close();
    }

    static void copyVariables(CommandSession from, CommandSession to) {
        // Gogo lists a session's variable names as get(null).
        if (from.get(null) instanceof Set<?> names) {
            for (Object n : Set.copyOf(names)) {
                String name = n.toString();
                to.put(name, from.get(name));
            }
        }
    }
}
