package cs.resources.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher as a distribution people deploy into: the {@code load/} folder (FileInstall),
 * configuration files, configurations made at the console, a storage kept between runs, and no
 * network port. The bundles deployed are the itests' provider (a MultiOpen component) and
 * consumer (which holds it open and publishes two RunStates).
 */
class DeployIT {

    /** Waits, in Gogo, until leak detection is on (a bounded wait: the test's exit timeout). */
    private static final String AWAIT_LEAK_DETECTION = """
            each ($.context bundles) { if { ($it symbolicName) equals cs.resources.api } { api = $it } }
            addcommand leaks ($api loadClass cs.resources.LeakDetection)
            while { not { leaks:isEnabled } } { sleep 1 }
            echo leak detection on
            """;

    @TempDir
    Path dir;

    private static Path testBundle(String name) {
        Path p = Path.of(System.getProperty("test.bundles", "target/test-bundles"), name + ".jar");
        assertThat(p).as("a test bundle; run through mvn verify").isRegularFile();
        return p;
    }

    @Test
    void bundlesAndConfigurationFilesInLoadAreDeployedAtStart() throws Exception {
        Path load = Files.createDirectories(dir.resolve("load"));
        Files.copy(testBundle("provider"), load.resolve("provider.jar"));
        Files.copy(testBundle("consumer"), load.resolve("consumer.jar"));
        Files.writeString(load.resolve("cs.resources.leaks.cfg"), "enabled=true\n");

        Launch.Run run = Launch.piped(dir, AWAIT_LEAK_DETECTION + """
                lb -s
                resources:opens -p
                resources:runstates -p
                """);

        assertThat(run.status()).as(run.toString()).isZero();
        assertThat(run.out()).contains("leak detection on")
                .containsPattern("Active\\s*\\|\\s*1\\|cs.resources.itest.provider")
                .containsPattern("Active\\s*\\|\\s*1\\|cs.resources.itest.consumer")
                .contains("\tcs.resources.itest.provider.SharedResource\tcs.resources.itest.provider\t")
                .contains("\tconsumer-worker-1\tRUNNING\t");
        assertThat(Launch.quiet(run.err())).as("standard error").isEmpty();
    }

    /**
     * Whoever can write to load/ (or the storage) deploys code, or a .cfg that moves the HTTP host
     * off 127.0.0.1: the launcher refuses such a folder, before the framework starts, and says how
     * to fix it. Before, it used whatever it found.
     */
    @Test
    void aFolderOthersCanWriteIsRefusedWithTheFix() throws Exception {
        Path load = Files.createDirectories(dir.resolve("load"));
        Files.copy(testBundle("provider"), load.resolve("provider.jar"));
        Files.setPosixFilePermissions(load, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));

        Launch.Run run = Launch.piped(dir, "echo the-console-ran\n");

        assertThat(run.status()).as(run.toString()).isEqualTo(1);
        assertThat(run.out()).doesNotContain("the-console-ran");
        assertThat(run.err().strip()).as("one line: what, why and the fix")
                .isEqualTo("launcher: the deploy folder " + load.toAbsolutePath() + " can be written by its group and"
                        + " others (rwxrwxrwx): whoever can write there runs code in this JVM. Fix it with: chmod"
                        + " go-w " + load.toAbsolutePath() + " (or choose a folder of your own: --load DIR)");

        Path storage = Files.createDirectories(dir.resolve("state"));
        Files.setPosixFilePermissions(storage, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwx---"));
        Launch.Run kept = Launch.piped(dir, "echo the-console-ran\n", "--storage", "state", "--no-load");
        assertThat(kept.status()).as(kept.toString()).isEqualTo(1);
        assertThat(kept.err()).contains("launcher: the storage folder " + storage.toAbsolutePath()
                + " can be written by its group", "chmod go-w " + storage.toAbsolutePath());

        Files.setPosixFilePermissions(load, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(storage, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        Launch.Run fixed = Launch.piped(dir, "echo the-console-ran\n", "--storage", "state");
        assertThat(fixed.status()).as(fixed.toString()).isZero();
        assertThat(fixed.out()).contains("the-console-ran");
    }

    @Test
    void aConfigurationMadeAtTheConsoleReachesItsComponent() throws Exception {
        Launch.Run run = Launch.piped(dir, """
                c = cm:getconfiguration cs.resources.leaks
                $c update (new java.util.Hashtable [enabled=true])
                """ + AWAIT_LEAK_DETECTION, "--no-load");

        assertThat(run.status()).as(run.toString()).isZero();
        assertThat(run.out()).contains("leak detection on");
    }

    @Test
    void bundlesComeUpdateAndGoAsTheirFilesDo() throws Exception {
        Path load = Files.createDirectories(dir.resolve("load"));
        try (PipedSession launcher = new PipedSession(dir)) {
            assertThat(launcher.run("lb -s")).noneMatch(l -> l.contains("cs.resources.itest.provider"));

            Files.copy(testBundle("provider"), load.resolve("provider.jar"));
            launcher.runUntil("lb -s", out -> out.stream().anyMatch(
                    l -> l.matches(".*Active\\s*\\|\\s*1\\|cs.resources.itest.provider.*")));

            Files.delete(load.resolve("provider.jar"));
            launcher.runUntil("lb -s", out -> out.stream().noneMatch(l -> l.contains("cs.resources.itest.provider")));
            assertThat(launcher.finish()).isZero();
        }
    }

    @Test
    void keepKeepsWhatWasInstalledAndConfiguredAndTheDefaultStartIsFresh() throws Exception {
        String provider = testBundle("provider").toUri().toString();
        Launch.Run first = Launch.piped(dir, "start " + provider + "\n"
                + "(cm:getconfiguration cs.resources.tasks) update (new java.util.Hashtable [threads=2])\n",
                "--keep", "--no-load");
        assertThat(first.status()).as(first.toString()).isZero();
        assertThat(dir.resolve(Options.DEFAULT_STORAGE)).isDirectory();

        Launch.Run second = Launch.piped(dir, "lb -s\nt = ((cm:getconfiguration cs.resources.tasks) properties) get threads\necho threads=$t\n",
                "--keep", "--no-load");
        assertThat(second.status()).as(second.toString()).isZero();
        assertThat(second.out()).containsPattern("Active\\s*\\|\\s*1\\|cs.resources.itest.provider")
                .contains("threads=2");

        Launch.Run fresh = Launch.piped(dir, "lb -s\n", "--no-load");
        assertThat(fresh.status()).as(fresh.toString()).isZero();
        assertThat(fresh.out()).contains("cs.resources.impl").doesNotContain("cs.resources.itest.provider");
    }

    /** Without options the launcher listens on no port, TCP or UDP (no remote shell, no HTTP). */
    @Test
    void opensNoNetworkPort() throws Exception {
        try (PipedSession launcher = new PipedSession(dir)) {
            launcher.run("resources:runstates");
            assertThat(Sockets.listening(launcher.pid())).as("the launcher's listening sockets").isEmpty();
            assertThat(launcher.finish()).isZero();
        }
    }
}
