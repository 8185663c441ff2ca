package cs.resources.launcher;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The launcher's command line: what to start, and how. Each option is a row of {@link #OPTIONS};
 * an option that adds a group of bundles and sets framework properties is one more row (see
 * {@code docs/design.md}, "The launcher").
 */
final class Options {

    /** The default folder watched for bundles and configurations, relative to the working directory. */
    static final String DEFAULT_LOAD = "load";
    /** The default folder of a kept framework storage, relative to the working directory (as Felix's distribution). */
    static final String DEFAULT_STORAGE = "felix-cache";

    /** What one option does to the settings; {@code value} is null for an option without argument. */
    interface Action {
        void apply(Options settings, String value);
    }

    /**
     * One option: its name, its argument's name (null if none), whether the argument may be left
     * out (then only {@code --name=value} gives it), its help, what it does.
     */
    record Option(String name, String argument, boolean optionalArgument, String help, Action action) {
        /** An option whose argument, if it has one, must be given. */
        Option(String name, String argument, String help, Action action) {
            this(name, argument, false, help, action);
        }

        /** @return how the usage shows it: {@code --load DIR}, {@code --web[=PORT]} */
        String synopsis() {
            if (argument == null) {
                return name;
            }
            return optionalArgument ? name + "[=" + argument + "]" : name + " " + argument;
        }
    }

    /** The Web Console's user name with {@code --web} (Felix Web Console's own default). */
    static final String WEB_USER = "admin";
    /** Framework properties of {@code --web}: Felix HTTP's host and port, Felix Web Console's login. */
    static final String HTTP_HOST = "org.apache.felix.http.host";
    static final String HTTP_PORT = "org.osgi.service.http.port";
    static final String WEB_USER_PROPERTY = "felix.webconsole.username";
    static final String WEB_PASSWORD_PROPERTY = "felix.webconsole.password";
    /**
     * pax-logging-api's level for what Jetty and the Web Console log through SLF4J onto standard
     * output (its default, DEBUG, logs every byte written).
     */
    static final String PAX_LOGGING_LEVEL = "org.ops4j.pax.logging.DefaultServiceLog.level";
    /** Framework properties of {@code --metrics}: where cs.resources.metrics serves /metrics alone, and to whom. */
    static final String METRICS_HOST = "cs.resources.metrics.host";
    static final String METRICS_PORT = "cs.resources.metrics.port";
    static final String METRICS_USER = "cs.resources.metrics.user";
    static final String METRICS_PASSWORD = "cs.resources.metrics.password";

    static final List<Option> OPTIONS = List.of(
            new Option("--load", "DIR", "watch DIR for bundles (*.jar) and configurations (*.cfg, *.config):"
                    + " installed, updated and uninstalled as files come, change and go (default: "
                    + DEFAULT_LOAD + ", in the working directory; created if missing)",
                    (o, v) -> {
                        o.load = Path.of(v);
                        o.groups.add(BundleGroup.LOAD.name());
                    }),
            new Option("--no-load", null, "watch no folder (FileInstall is not installed)", (o, v) -> {
                o.load = null;
                o.groups.remove(BundleGroup.LOAD.name());
            }),
            new Option("--keep", null, "keep the framework's storage (installed bundles, configurations) between"
                    + " runs, in " + DEFAULT_STORAGE + " in the working directory; without it each start is fresh",
                    (o, v) -> o.storage = Path.of(DEFAULT_STORAGE)),
            new Option("--storage", "DIR", "keep the framework's storage in DIR (implies --keep)",
                    (o, v) -> o.storage = Path.of(v)),
            new Option("--web", "PORT", true, "serve the Apache Felix Web Console (with the Resources page, Health"
                    + " Checks and Inventory) on 127.0.0.1 only, on PORT or a free port, behind a password made at"
                    + " start; the URL, user and password are printed once", (o, v) -> {
                        o.groups.add(BundleGroup.WEB.name());
                        o.properties.put(HTTP_HOST, "127.0.0.1");
                        o.properties.put(HTTP_PORT, Integer.toString(v == null ? 0 : port("--web", v)));
                        o.properties.put(WEB_USER_PROPERTY, WEB_USER);
                        o.properties.put(WEB_PASSWORD_PROPERTY, password());
                        o.properties.put(PAX_LOGGING_LEVEL, "WARN");
                        o.properties.put(PaxLogging.SKIP_JUL, "true");
                        o.groups.add(BundleGroup.METRICS.name()); // /metrics, with the console's login
                    }),
            new Option("--metrics", "PORT", true, "serve the Prometheus text format at /metrics on 127.0.0.1 only,"
                    + " on PORT or a free port, behind a password made at start (the Web Console's with --web);"
                    + " the URL, user and password are printed once", (o, v) -> {
                        o.groups.add(BundleGroup.METRICS.name());
                        o.properties.put(METRICS_HOST, "127.0.0.1");
                        o.properties.put(METRICS_PORT, Integer.toString(v == null ? 0 : port("--metrics", v)));
                        o.properties.put(METRICS_USER, WEB_USER);
                    }),
            new Option("--help", null, "print this help and exit", (o, v) -> o.help = true));

    /** The folder FileInstall watches, or null. */
    Path load = Path.of(DEFAULT_LOAD);
    /** The kept storage, or null for a fresh one in a temporary folder, deleted at exit. */
    Path storage;
    /** The bundle groups to start, in order; {@code core} always. */
    final Set<String> groups = new LinkedHashSet<>(List.of(BundleGroup.CORE.name(), BundleGroup.LOAD.name()));
    /** Framework properties that the options set (a {@code -D} system property of the same name wins). */
    final Map<String, String> properties = new LinkedHashMap<>();
    boolean help;

    /**
     * @throws IllegalArgumentException for an unknown option or a missing argument, naming it
     */
    static Options parse(String... args) {
        Options o = new Options();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                value = arg.substring(eq + 1);
                arg = arg.substring(0, eq);
            }
            Option option = find(arg);
            if (option == null) {
                throw new IllegalArgumentException("unknown option " + quote(args[i]) + " (--help lists them)");
            }
            if (option.argument() != null && value == null && !option.optionalArgument()) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(option.name() + " needs a " + option.argument());
                }
                value = args[++i];
            } else if (option.argument() == null && value != null) {
                throw new IllegalArgumentException(option.name() + " takes no value, not " + quote(value));
            }
            option.action().apply(o, value);
        }
        if (o.properties.containsKey(METRICS_PORT)) {
            // One login for everything the launcher serves.
            o.properties.put(METRICS_PASSWORD, o.properties.getOrDefault(WEB_PASSWORD_PROPERTY, password()));
        }
        return o;
    }

    /** @return the port {@code --web=PORT} (or {@code --metrics=PORT}) names */
    private static int port(String option, String value) {
        try {
            int port = Integer.parseInt(value);
            if (port >= 1 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException(option + " needs a port from 1 to 65535, not " + quote(value));
    }

    /** @return a password of 16 characters from 96 random bits (URL-safe Base64: no quoting needed) */
    static String password() {
        byte[] bytes = new byte[12];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** @return whether the options serve /metrics alone ({@code --metrics}) */
    boolean metrics() {
        return properties.containsKey(METRICS_PORT);
    }

    /** @return whether the options serve the Web Console */
    boolean web() {
        return groups.contains(BundleGroup.WEB.name());
    }

    private static Option find(String name) {
        for (Option option : OPTIONS) {
            if (option.name().equals(name)) {
                return option;
            }
        }
        return null;
    }

    private static String quote(String s) {
        return "\"" + s + "\"";
    }

    static String usage() {
        List<String> lines = new ArrayList<>();
        lines.add("usage: java [-Dproperty=value ...] -jar launcher.jar [options]");
        lines.add("Apache Felix with SCR, Configuration Admin, FileInstall, Gogo and the cs.resources bundles.");
        lines.add("In a terminal: the g! console; with piped input: runs its commands and exits"
                + " (status 1 if one failed, or exit's).");
        lines.add("options:");
        for (Option option : OPTIONS) {
            lines.add(String.format("  %-15s %s", option.synopsis(), option.help()));
        }
        lines.add("A -D system property sets a framework property (it wins over the launcher's own).");
        return String.join(System.lineSeparator(), lines) + System.lineSeparator();
    }
}
