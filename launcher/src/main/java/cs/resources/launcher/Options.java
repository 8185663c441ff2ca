package cs.resources.launcher;

import java.nio.file.Path;
import java.util.ArrayList;
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

    /** One option: its name, its argument's name (null if none), its help, what it does. */
    record Option(String name, String argument, String help, Action action) {
    }

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
            if (option.argument() != null && value == null) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(option.name() + " needs a " + option.argument());
                }
                value = args[++i];
            } else if (option.argument() == null && value != null) {
                throw new IllegalArgumentException(option.name() + " takes no value, not " + quote(value));
            }
            option.action().apply(o, value);
        }
        return o;
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
            String name = option.argument() == null ? option.name() : option.name() + " " + option.argument();
            lines.add(String.format("  %-15s %s", name, option.help()));
        }
        lines.add("A -D system property sets a framework property (it wins over the launcher's own).");
        return String.join(System.lineSeparator(), lines) + System.lineSeparator();
    }
}
