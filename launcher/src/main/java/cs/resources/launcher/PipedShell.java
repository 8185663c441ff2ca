package cs.resources.launcher;

import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.felix.gogo.runtime.EOFError;
import org.apache.felix.gogo.runtime.Parser;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.framework.startlevel.FrameworkStartLevel;

/**
 * The launcher's main thread when standard input is not a terminal: once every bundle has
 * started, runs the commands read from standard input in one Gogo session, then returns the exit
 * status, upon which the bnd launcher stops the framework and exits with it.
 *
 * <p>Each line is a command line. A line that leaves a closure, string or bracket open is
 * continued by the next ones, as at the {@code g!} prompt. The session is set up as the console
 * bundle's profile sets up an interactive one. A command's non-null result is printed
 * as the Gogo shell prints it; a failing command prints {@code gogo: <exception class>: <message>}
 * on standard error and the next line runs. The status is 0 when every command line succeeded
 * and 1 otherwise. The commands' own standard input is empty: the script is the input.
 */
final class PipedShell implements Callable<Integer> {

    /**
     * What the console bundle's default profile gives an interactive session, less what needs a
     * terminal: Gogo's commands first, the BundleContext's methods ({@code bundle 3},
     * {@code bundles}) and System's ({@code getProperty java.version}) as commands.
     */
    private static final String[] SESSION_SETUP = {
        "SCOPE = 'gogo:*'",
        "addcommand context ${.context}",
        "addcommand system (((${.context} getClass) getClassLoader) loadClass java.lang.System)",
    };

    /** How long to wait for the framework to reach the highest start level of its bundles. */
    private static final long STARTUP_SECONDS = 60;

    private final BundleContext context;
    private final int finalStartLevel;
    private final CountDownLatch started = new CountDownLatch(1);
    private final FrameworkListener startListener;

    /**
     * Must be made while the framework is still starting (from a bundle activator at a start
     * level below the highest), so that the final start level's event is not missed.
     */
    PipedShell(BundleContext context) {
        this.context = context;
        this.finalStartLevel = highestStartLevel(context);
        FrameworkStartLevel fsl = context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION)
                .adapt(FrameworkStartLevel.class);
        this.startListener = event -> {
            int type = event.getType();
            if ((type == FrameworkEvent.STARTED || type == FrameworkEvent.STARTLEVEL_CHANGED)
                    && fsl.getStartLevel() >= finalStartLevel) {
                started.countDown();
            }
        };
        context.addFrameworkListener(startListener);
    }

    @Override
    public Integer call() throws InterruptedException {
        // Not System.in, System.out and System.err: Gogo's runtime has replaced them with streams
        // that use the calling thread's session, which would be this session itself.
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, Charset.defaultCharset());
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, Charset.defaultCharset());
        try {
            if (!started.await(STARTUP_SECONDS, TimeUnit.SECONDS)) {
                err.println("gogo: the framework did not reach start level " + finalStartLevel + " in "
                        + STARTUP_SECONDS + " s; running the commands anyway");
            }
        } finally {
            context.removeFrameworkListener(startListener);
        }
        ServiceReference<CommandProcessor> ref = context.getServiceReference(CommandProcessor.class);
        CommandProcessor processor = ref == null ? null : context.getService(ref);
        if (processor == null) {
            err.println("gogo: no Gogo CommandProcessor service; is org.apache.felix.gogo.runtime active?");
            return 1;
        }
        try (CommandSession session = processor.createSession(InputStream.nullInputStream(), out, err)) {
            for (String setup : SESSION_SETUP) {
                try {
                    session.execute(setup);
                } catch (Exception e) {
                    err.println("gogo: session setup: " + setup + ": " + e);
                }
            }
            BufferedReader in = new BufferedReader(
                    new InputStreamReader(new FileInputStream(FileDescriptor.in), Charset.defaultCharset()));
            return runAll(session, in, out, err) ? 0 : 1;
        } catch (IOException e) {
            err.println("gogo: cannot read standard input: " + e);
            return 1;
        } finally {
            context.ungetService(ref);
        }
    }

    /** Runs every command line of {@code in}; true if none failed. */
    static boolean runAll(CommandSession session, BufferedReader in, PrintStream out, PrintStream err)
            throws IOException {
        boolean ok = true;
        StringBuilder program = new StringBuilder();
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            if (program.length() > 0) {
                program.append('\n');
            }
            program.append(line);
            if (incomplete(program)) {
                continue;
            }
            ok &= runOne(session, program.toString(), out, err);
            program.setLength(0);
        }
        if (!program.toString().isBlank()) {
            // Run it anyway: the parser's error says what is missing.
            ok &= runOne(session, program.toString(), out, err);
        }
        out.flush();
        err.flush();
        return ok;
    }

    private static boolean runOne(CommandSession session, String program, PrintStream out, PrintStream err) {
        try {
            Object result = session.execute(program);
            session.put("_", result);
            if (result != null) {
                out.println(session.format(result, Converter.INSPECT));
            }
            return true;
        } catch (Exception e) {
            session.put("exception", e);
            out.flush();
            err.println("gogo: " + e.getClass().getSimpleName() + ": " + e.getMessage());
            return false;
        }
    }

    /** True if the program so far ends inside a closure, string or bracket. */
    private static boolean incomplete(CharSequence program) {
        try {
            new Parser(program).program();
            return false;
        } catch (EOFError e) {
            return true;
        } catch (RuntimeException e) {
            // Another syntax error: complete, and session.execute reports it.
            return false;
        }
    }

    private static int highestStartLevel(BundleContext context) {
        int highest = 1;
        for (Bundle b : context.getBundles()) {
            if (b.getBundleId() != 0) {
                highest = Math.max(highest, b.adapt(BundleStartLevel.class).getStartLevel());
            }
        }
        return highest;
    }
}
