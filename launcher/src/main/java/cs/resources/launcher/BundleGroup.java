package cs.resources.launcher;

import java.util.Map;
import java.util.Set;

/**
 * A group of bundles the launcher carries, in its jar under {@code bundles/<name>/}, and how to
 * start them: bundles start at level 1 unless {@link #startLevels} says otherwise; those in
 * {@link #installOnly} are installed (to be used as libraries) and not started.
 *
 * @param name the folder's name in the jar
 * @param startLevels start levels by bundle symbolic name
 * @param installOnly symbolic names of bundles installed and not started
 */
record BundleGroup(String name, Map<String, Integer> startLevels, Set<String> installOnly) {

    /** The framework start level the launcher raises to: every group's bundles start at or below it. */
    static final int FINAL_START_LEVEL = 3;

    /**
     * Always there: SCR, Configuration Admin, Gogo, the cs.resources bundles and the console. The
     * console starts at level 2, after the commands it offers. Gogo's JLine shell is a library:
     * the console bundle runs Gogo's commands with a console of its own.
     */
    static final BundleGroup CORE = new BundleGroup("core",
            Map.of("cs.resources.launcher.console", 2),
            Set.of("org.apache.felix.gogo.jline"));

    /**
     * The deploy folder (unless {@code --no-load}): Apache Felix FileInstall, at the last level,
     * so that what it deploys finds everything else started.
     */
    static final BundleGroup LOAD = new BundleGroup("load",
            Map.of("org.apache.felix.fileinstall", FINAL_START_LEVEL), Set.of());

    /**
     * The Web Console (option {@code --web}): Felix HTTP Jetty 12, Felix Web Console 5 with its
     * Components page, Felix Health Checks, Felix Inventory, Metatype and cs.resources.webconsole,
     * with what they need that the core lacks (pax-logging-api for SLF4J, EventAdmin, commons-io and
     * -fileupload, the OWASP encoder). All at level 1: the web server is up before the console.
     */
    static final BundleGroup WEB = new BundleGroup("web", Map.of(), Set.of());

    /**
     * Metrics (options {@code --metrics} and {@code --web}): micrometer-core with what it needs and
     * cs.resources.metrics, which serves {@code /metrics} on the JDK's HTTP server ({@code --metrics})
     * or beside the Web Console ({@code --web}). At level 1.
     */
    static final BundleGroup METRICS = new BundleGroup("metrics", Map.of(), Set.of());

    /** @return the group called {@code name} */
    static BundleGroup named(String name) {
        if (CORE.name().equals(name)) {
            return CORE;
        }
        if (LOAD.name().equals(name)) {
            return LOAD;
        }
        if (WEB.name().equals(name)) {
            return WEB;
        }
        if (METRICS.name().equals(name)) {
            return METRICS;
        }
        // A group without start levels of its own (say, added by an option): all at level 1.
        return new BundleGroup(name, Map.of(), Set.of());
    }

    int startLevel(String symbolicName) {
        return startLevels.getOrDefault(symbolicName, 1);
    }
}
