package cs.resources.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.osgi.annotation.bundle.Header;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;

/**
 * Chooses how the launcher's console behaves, before the Gogo console bundle
 * ({@code org.apache.felix.gogo.jline}, start level 2) starts.
 *
 * <ul>
 * <li>Standard input and output are a terminal: prints the banner and leaves the interactive
 * Gogo shell ({@code g!}) to the console bundle.</li>
 * <li>Otherwise (input piped or redirected, or output redirected): tells the console bundle, through the system
 * property {@code gosh.args}, to start no interactive shell, and hands the bnd launcher's main
 * thread a {@link PipedShell} that runs the input's commands and returns the exit status.</li>
 * <li>{@code gosh.args} already set (say {@code -Dgosh.args=...} on the command line): stays out
 * of the way.</li>
 * </ul>
 *
 * <p>In both modes the bnd launcher's main thread is given a {@code Callable<Integer>} (service
 * property {@code main.thread=true}); the launcher stops the framework when it returns and exits
 * with its result. That is how a normal end gets exit status 0 rather than the launcher's 117 for
 * a framework stopped from inside, and why no bundle here calls {@code System.exit}.
 */
@Header(name = Constants.BUNDLE_ACTIVATOR, value = "${@class}")
public final class Activator implements BundleActivator {

    /** Read by the console bundle through {@code BundleContext.getProperty}, which falls back to system properties. */
    static final String GOSH_ARGS = "gosh.args";
    /** Where the console bundle looks for {@code etc/gosh_profile}. */
    static final String GOSH_HOME = "gosh.home";
    /**
     * Read by JLine when the console bundle builds its terminal: without a terminal JLine would
     * fall back to a dumb one anyway, but with a logged warning.
     */
    static final String JLINE_DUMB = "org.jline.terminal.dumb";
    /** The service property by which the bnd launcher finds the body of its main thread. */
    static final String MAIN_THREAD = "main.thread";

    static final String BANNER = String.join(System.lineSeparator(),
            "cs.resources for OSGi: Apache Felix with SCR, Configuration Admin, Gogo and the resources: commands.",
            "Try:",
            "  ticks = [ ]",
            "  resources:run -e 1s ticker { $ticks add 1 }   a task that counts every second until cancelled",
            "  resources:runstates                           the live RunStates (-a: ended ones too; -p: plain)",
            "  $ticks size                                   what the ticker has counted so far",
            "  resources:cancel ticker                       cancel by name or id",
            "  resources:opens ; resources:pools             the MultiOpen and Pool services",
            "  help resources:run                            every command has help; Tab completes",
            "  Ctrl-D (or stop 0)                            stop the framework and leave",
            "");

    private ServiceRegistration<?> mainThread;
    private Interactive interactive;
    private String goshArgsSet;
    private String goshHomeSet;
    private String jlineDumbSet;

    @Override
    public void start(BundleContext context) throws IOException {
        if (System.getProperty(GOSH_ARGS) != null) {
            return;
        }
        Callable<Integer> body;
        if (System.console() != null) {
            printBanner(System.out);
            interactive = new Interactive();
            body = interactive;
        } else {
            if (System.getProperty(GOSH_HOME) == null) {
                goshHomeSet = quietGoshHome(context).toString();
                System.setProperty(GOSH_HOME, goshHomeSet);
            }
            // No g! prompt and, when that console session ends, no framework stop: PipedShell reads
            // the input, and the launcher stops the framework when PipedShell returns.
            goshArgsSet = "--nointeractive --noshutdown";
            System.setProperty(GOSH_ARGS, goshArgsSet);
            if (System.getProperty(JLINE_DUMB) == null) {
                jlineDumbSet = "true";
                System.setProperty(JLINE_DUMB, jlineDumbSet);
            }
            body = new PipedShell(context);
        }
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(MAIN_THREAD, Boolean.TRUE);
        mainThread = context.registerService(Callable.class, body, props);
    }

    @Override
    public void stop(BundleContext context) {
        if (interactive != null) {
            interactive.release();
            interactive = null;
        }
        if (mainThread != null) {
            mainThread.unregister();
            mainThread = null;
        }
        clearIfStillOurs(GOSH_ARGS, goshArgsSet);
        clearIfStillOurs(GOSH_HOME, goshHomeSet);
        clearIfStillOurs(JLINE_DUMB, jlineDumbSet);
    }

    static void printBanner(PrintStream out) {
        out.print(BANNER);
        out.flush();
    }

    /**
     * A folder for {@code gosh.home} whose {@code etc/gosh_profile} does nothing. The console
     * bundle's default profile sets up line editing, which fails without an interactive reader
     * and prints a {@code reader is null} error; in piped mode nothing of it is needed.
     */
    private static Path quietGoshHome(BundleContext context) throws IOException {
        Path home = context.getDataFile("gosh").toPath();
        Path profile = home.resolve("etc").resolve("gosh_profile");
        Files.createDirectories(profile.getParent());
        Files.writeString(profile,
                "# Piped input: cs.resources.launcher runs the commands; the console session does nothing.\n",
                StandardCharsets.UTF_8);
        return home;
    }

    private static void clearIfStillOurs(String key, String value) {
        if (value != null && value.equals(System.getProperty(key))) {
            System.clearProperty(key);
        }
    }

    /**
     * The main thread's body with a terminal: the console bundle runs the shell, and its
     * Ctrl-D or {@code stop 0} stops the framework, which stops this bundle and releases the main
     * thread with status 0.
     */
    static final class Interactive implements Callable<Integer> {
        private final CountDownLatch stopped = new CountDownLatch(1);

        @Override
        public Integer call() throws InterruptedException {
            stopped.await();
            return 0;
        }

        void release() {
            stopped.countDown();
        }
    }
}
