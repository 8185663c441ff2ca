package cs.resources.launcher.console;

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
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.framework.startlevel.FrameworkStartLevel;

/**
 * The console when standard input or output is not a terminal: once every bundle has started,
 * runs the commands read from standard input in one Gogo session, then returns the exit status.
 *
 * <p>Each line is a command line. A line that leaves a closure, string or bracket open is
 * continued by the next ones, as at the {@code g!} prompt. A command's non-null result is printed
 * as the Gogo shell prints it; a failing command prints what {@link Errors} says on standard
 * error, and the next line runs. {@code exit [status]} ends the input there. The status is that
 * of {@code exit}, or else 0 when every command line succeeded and 1 otherwise. The commands' own
 * standard input is empty: the script is the input.
 *
 * <p>As in {@link Interactive}, no session owns standard output or error ({@link ShellSession}).
 */
final class PipedShell implements Callable<Integer> {

    /** How long to wait for the framework to reach the highest start level of its bundles. */
    private static final long STARTUP_SECONDS = 60;

    private final BundleContext context;
    private final CommandProcessor processor;
    private final Activator.Setup setup;
    private final int finalStartLevel;
    private final CountDownLatch started = new CountDownLatch(1);
    private final FrameworkListener startListener;
    private volatile Integer exitStatus;
    private volatile boolean stopping;
    private volatile Thread thread;
    /** The console's session while it runs, for {@link #owns}. */
    private volatile ShellSession shell;

    /**
     * Must be made while the framework is still starting (from a bundle activator at a start
     * level below the highest), so that the final start level's event is not missed.
     */
    PipedShell(BundleContext context, CommandProcessor processor, Activator.Setup setup) {
        this.context = context;
        this.processor = processor;
        this.setup = setup;
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
        if (fsl.getStartLevel() >= finalStartLevel) {
            started.countDown();
        }
    }

    /** {@code exit}: no further line runs; the launcher exits with {@code status}. */
    void exit(int status) {
        exitStatus = status;
    }

    /** @return whether {@code session} is the console's own (thread-safe) */
    boolean owns(CommandSession session) {
        ShellSession s = shell;
        return s != null && s.owns(session);
    }

    /** The framework is stopping: no further line runs. */
    void stop() {
        stopping = true;
        Thread running = thread;
        if (running != null && running != Thread.currentThread()) {
            running.interrupt();
        }
    }

    @Override
    public Integer call() throws InterruptedException {
        thread = Thread.currentThread();
        // Not System.in, System.out and System.err: Gogo's runtime has replaced them with streams
        // that use the calling thread's session, which would be this session itself.
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, Charset.defaultCharset());
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, Charset.defaultCharset());
        try {
            if (!started.await(STARTUP_SECONDS, TimeUnit.SECONDS)) {
                err.println("console: the framework did not reach start level " + finalStartLevel + " in "
                        + STARTUP_SECONDS + " s; running the commands anyway");
            }
        } finally {
            context.removeFrameworkListener(startListener);
        }
        try (ShellSession shell = new ShellSession(processor, InputStream.nullInputStream(), out, err,
                Charset.defaultCharset())) {
            this.shell = shell;
            setup.run(shell.current(), err);
            BufferedReader in = new BufferedReader(
                    new InputStreamReader(new FileInputStream(FileDescriptor.in), Charset.defaultCharset()));
            boolean ok = runAll(shell, in, out, err);
            Integer status = exitStatus;
            return status != null ? status : ok ? 0 : 1;
        } catch (IOException e) {
            err.println("console: cannot read standard input: " + e.getMessage());
            return 1;
        } finally {
            this.shell = null;
            thread = null;
        }
    }

    /** Runs every command line of {@code in} until its end or {@code exit}; true if none failed. */
    private boolean runAll(ShellSession shell, BufferedReader in, PrintStream out, PrintStream err)
            throws IOException {
        boolean ok = true;
        StringBuilder program = new StringBuilder();
        for (String line = in.readLine(); line != null && !done(); line = in.readLine()) {
            if (program.length() > 0) {
                program.append('\n');
            }
            program.append(line);
            if (incomplete(program)) {
                continue;
            }
            ok &= runOne(shell.current(), program.toString(), out, err);
            program.setLength(0);
        }
        if (!done() && !program.toString().isBlank()) {
            // Run it anyway: the parser's error says what is missing.
            ok &= runOne(shell.current(), program.toString(), out, err);
        }
        out.flush();
        err.flush();
        return ok;
    }

    private boolean done() {
        return stopping || exitStatus != null;
    }

    private boolean runOne(CommandSession session, String program, PrintStream out, PrintStream err) {
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
            err.println(Errors.describe(e, program, session, processor));
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
