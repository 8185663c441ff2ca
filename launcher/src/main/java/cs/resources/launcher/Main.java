package cs.resources.launcher;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.Charset;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.Callable;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.util.tracker.ServiceTracker;

/**
 * {@code java -jar launcher.jar}: starts Apache Felix with the bundles the jar carries
 * ({@link EmbeddedBundles}), FileInstall watching a folder, and the console; runs the console in
 * the main thread; stops the framework when the console ends and exits with its status.
 *
 * <p>Framework properties: the launcher's defaults, then the options' ({@link Options}), then
 * any {@code -D} system property of the same name. Every other framework property a bundle asks
 * for falls back to the system properties, as Felix does.
 *
 * <p>Exit status: the console's (0, or 1 when a piped command failed, or {@code exit}'s); 1 when
 * the framework cannot start; 2 for a bad command line.
 */
public final class Main {

    /** The console bundle's framework property (cs.resources.launcher.console's Activator.MODE). */
    static final String CONSOLE_MODE = "cs.resources.launcher.console";
    /** The console's body service property (Activator.MAIN_THREAD). */
    static final String MAIN_THREAD = "main.thread";
    /** Framework property: the log file (shown in the console's banner). */
    static final String LOG_FILE = "cs.resources.launcher.logfile";
    /** How long Jetty may take to start listening. */
    private static final long WEB_MILLIS = 30_000;
    /** How long the framework may take to stop before the launcher exits anyway. */
    private static final long STOP_MILLIS = 30_000;

    private Main() {
    }

    public static void main(String[] args) {
        // Before anything can replace System.out and System.err (Gogo's runtime does).
        PrintStream stdout = new PrintStream(new FileOutputStream(FileDescriptor.out), true, Charset.defaultCharset());
        PrintStream stderr = new PrintStream(new FileOutputStream(FileDescriptor.err), true, Charset.defaultCharset());
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            stderr.println("launcher: " + e.getMessage());
            stderr.print(Options.usage());
            System.exit(2);
            return;
        }
        if (options.help) {
            stdout.print(Options.usage());
            System.exit(0);
            return;
        }
        int status;
        try {
            status = run(options, stdout, stderr);
        } catch (Exception e) {
            stderr.println("launcher: " + e.getMessage());
            status = 1;
        }
        System.exit(status);
    }

    private static int run(Options options, PrintStream stdout, PrintStream stderr) throws Exception {
        boolean fresh = options.storage == null;
        // Folders that code comes from must be writable by this user alone (Folders).
        Path storage = fresh ? Files.createTempDirectory("cs-resources-launcher-")
                : Folders.own(options.storage, "the storage folder", "--storage DIR");
        Path load = options.load == null ? null : Folders.own(options.load, "the deploy folder", "--load DIR");
        Path log = storage.resolve("launcher.log");
        Logs.Setup logs = Logs.configure(log, stderr);

        Map<String, String> props = new LinkedHashMap<>();
        props.put(Constants.FRAMEWORK_STORAGE, storage.toString());
        props.put(Constants.FRAMEWORK_BEGINNING_STARTLEVEL, Integer.toString(BundleGroup.FINAL_START_LEVEL));
        props.put("felix.log.level", "1");
        props.put(CONSOLE_MODE, terminal() ? "interactive" : "piped");
        props.put(LOG_FILE, log.toString());
        if (load != null) {
            props.put("felix.fileinstall.dir", load.toString());
            props.put("felix.fileinstall.noInitialDelay", "true"); // the first scan before the console starts
            props.put("felix.fileinstall.poll", "1000");
            props.put("felix.fileinstall.log.default", "jul");
            props.put("felix.fileinstall.log.level", "3");
        }
        props.putAll(options.properties);
        if (options.web()) {
            // pax-logging-api prints to a registered stream (PaxLogging) only with this set; the
            // file is its own fallback, should the stream be missing: never launcher.log, which
            // it would truncate.
            props.put(PaxLogging.FILE_FALLBACK, storage.resolve("pax-logging.log").toString());
        }
        for (Map.Entry<String, String> e : props.entrySet()) {
            String override = System.getProperty(e.getKey());
            if (override != null) {
                e.setValue(override);
            }
        }

        if (options.web()) {
            // pax-logging-api (no back end: it prints to its fallback stream) reads its level from
            // the system properties when a bundle that started before it (Jetty, by its id) asks
            // for a logger: as a framework property only, it would come too late for Jetty, whose
            // loggers would stay at pax-logging's default, DEBUG (every byte written).
            System.setProperty(Options.PAX_LOGGING_LEVEL, props.get(Options.PAX_LOGGING_LEVEL));
        }

        FrameworkFactory factory = ServiceLoader.load(FrameworkFactory.class, Main.class.getClassLoader())
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no OSGi framework on the class path"));
        Framework framework = factory.newFramework(props);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop(framework);
            logs.close();
            if (fresh) {
                deleteTree(storage);
            }
        }, "cs.resources launcher shutdown"));

        framework.init();
        BundleContext context = framework.getBundleContext();
        logs.console().useConsoleOf(context);
        List<BundleGroup> groups = new ArrayList<>();
        options.groups.forEach(g -> groups.add(BundleGroup.named(g)));
        new EmbeddedBundles(source()).synchronize(context, groups, storage);
        PaxLogging.route(context, logs.file());
        framework.start();
        if (options.web()) {
            announceWebConsole(context, props, stdout, stderr);
        }
        if (options.metrics()) {
            announceMetrics(context, props, options.web(), stdout, stderr);
        }

        ServiceTracker<Callable<?>, Callable<?>> bodies = new ServiceTracker<>(context,
                context.createFilter("(&(objectClass=java.util.concurrent.Callable)(" + MAIN_THREAD + "=true))"), null);
        bodies.open();
        try {
            // The console registers it while the framework starts; a launcher without one runs
            // until the framework is stopped from inside.
            Callable<?> body = bodies.waitForService(5_000);
            if (body == null) {
                framework.waitForStop(0);
                return 0;
            }
            Object result = body.call();
            return result instanceof Integer i ? i : 0;
        } finally {
            bodies.close();
            stop(framework);
        }
    }

    /**
     * With {@code --web}: waits for Felix HTTP to listen and prints, once, where the console is and
     * how to log in (the password is in no file and no log). Jetty publishes its address as the
     * Servlet Whiteboard runtime's {@code osgi.http.endpoint} property.
     */
    private static void announceWebConsole(BundleContext context, Map<String, String> props, PrintStream stdout,
            PrintStream stderr) throws InvalidSyntaxException {
        ServiceTracker<Object, Object> runtimes = new ServiceTracker<>(context,
                context.createFilter("(objectClass=org.osgi.service.servlet.runtime.HttpServiceRuntime)"), null);
        runtimes.open();
        try {
            if (runtimes.waitForService(WEB_MILLIS) == null) {
                stderr.println("launcher: --web: Felix HTTP did not start in " + WEB_MILLIS / 1000
                        + " s (see the log)");
                return;
            }
            Object endpoint = runtimes.getServiceReference().getProperty("osgi.http.endpoint");
            String url = endpoint instanceof String[] all && all.length > 0 ? all[0] : String.valueOf(endpoint);
            url = url.replaceAll("/+$", "") + "/system/console/resources";
            String password = props.get(Options.WEB_PASSWORD_PROPERTY);
            boolean generated = System.getProperty(Options.WEB_PASSWORD_PROPERTY) == null;
            stdout.println("Web Console: " + url);
            stdout.println("  user " + props.get(Options.WEB_USER_PROPERTY) + ", password "
                    + (generated ? password + " (made for this run, printed only here)"
                            : "as given by -D" + Options.WEB_PASSWORD_PROPERTY));
            stdout.println("Metrics: " + url.replaceAll("/system/console/resources$", "/metrics")
                    + " (Prometheus text format; the same user and password)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            runtimes.close();
        }
    }

    /**
     * With {@code --metrics}: waits for cs.resources.metrics to serve {@code /metrics} on the JDK's
     * HTTP server and prints, once, its URL (a service property of the metrics bundle's, read by
     * name) and how to log in, as {@code --web} does.
     */
    private static void announceMetrics(BundleContext context, Map<String, String> props, boolean web,
            PrintStream stdout, PrintStream stderr) throws InvalidSyntaxException {
        ServiceTracker<Object, Object> endpoints = new ServiceTracker<>(context,
                context.createFilter("(cs.resources.metrics.endpoint=*)"), null);
        endpoints.open();
        try {
            if (endpoints.waitForService(WEB_MILLIS) == null) {
                stderr.println("launcher: --metrics: /metrics was not served within " + WEB_MILLIS / 1000
                        + " s (see the log)");
                return;
            }
            String password = props.get(Options.METRICS_PASSWORD);
            boolean generated = System.getProperty(Options.METRICS_PASSWORD) == null;
            stdout.println("Metrics: " + endpoints.getServiceReference().getProperty("cs.resources.metrics.endpoint"));
            stdout.println("  user " + props.get(Options.METRICS_USER) + ", password "
                    + (!generated ? "as given by -D" + Options.METRICS_PASSWORD
                            : web ? "the Web Console's" : password + " (made for this run, printed only here)"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            endpoints.close();
        }
    }

    /**
     * @return whether standard input and output are a terminal. {@code System.console()} says so
     *     up to Java 21; from Java 22 it returns a console for redirected streams too, and
     *     {@code Console.isTerminal()} (looked up: the launcher compiles for 17) tells.
     */
    static boolean terminal() {
        java.io.Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
        } catch (NoSuchMethodException before22) {
            return true;
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }

    /** Stops the framework, if it runs, and waits for it (bounded). */
    static void stop(Framework framework) {
        try {
            if ((framework.getState() & (Bundle.STARTING | Bundle.ACTIVE)) != 0) {
                framework.stop();
            }
            FrameworkEvent event = framework.waitForStop(STOP_MILLIS);
            if (event.getType() == FrameworkEvent.WAIT_TIMEDOUT) {
                System.err.println("launcher: the framework did not stop in " + STOP_MILLIS / 1000 + " s");
            }
        } catch (BundleException e) {
            System.err.println("launcher: stopping the framework: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** @return the launcher's jar (or, run from classes, their folder), which carries the bundles */
    private static Path source() throws URISyntaxException {
        return Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    private static void deleteTree(Path root) {
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            // a temporary folder: the system cleans it eventually
        }
    }
}
