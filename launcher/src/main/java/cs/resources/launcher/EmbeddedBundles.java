package cs.resources.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.zip.CRC32;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.startlevel.BundleStartLevel;

/**
 * The bundles the launcher carries: in its jar under {@code bundles/<group>/} (or, run from a
 * folder of classes, in that folder), installed into the framework with location
 * {@code launcher:bundles/<group>/<file>}.
 *
 * <p>With a fresh storage every bundle is installed, given its start level and marked started.
 * With a kept storage the framework has them already: a bundle whose file changed (another
 * launcher build) is updated, a new one installed, one no longer carried (or of a group not asked
 * for this time) uninstalled; what the user did to the others (stopped, started) stays. A record
 * of the files' checksums in the storage tells what changed.
 */
final class EmbeddedBundles {

    static final String LOCATION_PREFIX = "launcher:";
    private static final String RECORD = "cs.resources.launcher.bundles.properties";

    /** A bundle file the launcher carries. */
    private record Carried(BundleGroup group, String path, long checksum) {
        String location() {
            return LOCATION_PREFIX + path;
        }
    }

    private final Path source;

    /** @param source the launcher's jar, or a folder holding {@code bundles/} */
    EmbeddedBundles(Path source) {
        this.source = source;
    }

    /**
     * Installs, updates and uninstalls so that the framework holds the bundles of
     * {@code groups}; call between {@code init()} and {@code start()}.
     *
     * @param storage the framework's storage folder, where the record is kept
     * @return the bundles installed or updated now
     */
    List<Bundle> synchronize(BundleContext context, List<BundleGroup> groups, Path storage)
            throws IOException, BundleException {
        List<Carried> carried = list(groups);
        Path recordFile = storage.resolve(RECORD);
        Properties record = new Properties();
        if (Files.isRegularFile(recordFile)) {
            try (InputStream in = Files.newInputStream(recordFile)) {
                record.load(in);
            }
        }
        Set<String> wanted = new HashSet<>();
        List<Bundle> changed = new ArrayList<>();
        for (Carried c : carried) {
            wanted.add(c.location());
            Bundle b = context.getBundle(c.location());
            String sum = Long.toHexString(c.checksum());
            if (b == null) {
                try (InputStream in = open(c.path())) {
                    b = context.installBundle(c.location(), in);
                }
                prepare(b, c.group());
                changed.add(b);
            } else if (!sum.equals(record.getProperty(c.location()))) {
                try (InputStream in = open(c.path())) {
                    b.update(in);
                }
                changed.add(b);
            }
            record.setProperty(c.location(), sum);
        }
        for (Bundle b : context.getBundles()) {
            if (b.getLocation().startsWith(LOCATION_PREFIX) && !wanted.contains(b.getLocation())) {
                record.remove(b.getLocation());
                b.uninstall();
            }
        }
        try (OutputStream out = Files.newOutputStream(recordFile)) {
            record.store(out, "cs.resources launcher: the bundles it installed, and their files' CRC-32");
        }
        return changed;
    }

    /** Gives a newly installed bundle its start level and, unless it is a library or a fragment, starts it. */
    private static void prepare(Bundle b, BundleGroup group) throws BundleException {
        String name = b.getSymbolicName();
        b.adapt(BundleStartLevel.class).setStartLevel(group.startLevel(name));
        boolean fragment = b.getHeaders("").get(Constants.FRAGMENT_HOST) != null;
        if (!fragment && !group.installOnly().contains(name)) {
            b.start(); // persistent: it starts when the framework reaches its start level
        }
    }

    /** @return the bundle files of {@code groups}, in order of group, then of file name */
    List<Carried> list(List<BundleGroup> groups) throws IOException {
        List<Carried> all = new ArrayList<>();
        for (BundleGroup g : groups) {
            String prefix = "bundles/" + g.name() + "/";
            Map<String, Long> files = new TreeMap<>();
            if (Files.isDirectory(source)) {
                Path dir = source.resolve(prefix);
                if (Files.isDirectory(dir)) {
                    try (var paths = Files.list(dir)) {
                        for (Path p : (Iterable<Path>) paths::iterator) {
                            if (p.getFileName().toString().endsWith(".jar")) {
                                files.put(prefix + p.getFileName(), crc(p));
                            }
                        }
                    }
                }
            } else {
                try (JarFile jar = new JarFile(source.toFile())) {
                    jar.stream()
                            .filter(e -> e.getName().startsWith(prefix) && e.getName().endsWith(".jar")
                                    && e.getName().indexOf('/', prefix.length()) < 0)
                            .forEach(e -> files.put(e.getName(), e.getCrc()));
                }
            }
            if (files.isEmpty()) {
                throw new IOException("no bundles of group " + g.name() + " in " + source + " (" + prefix + "*.jar)");
            }
            files.forEach((path, crc) -> all.add(new Carried(g, path, crc)));
        }
        return all;
    }

    private InputStream open(String path) throws IOException {
        if (Files.isDirectory(source)) {
            return Files.newInputStream(source.resolve(path));
        }
        JarFile jar = new JarFile(source.toFile());
        JarEntry entry = jar.getJarEntry(path);
        InputStream in = jar.getInputStream(entry);
        return new java.io.FilterInputStream(in) {
            @Override
            public void close() throws IOException {
                try {
                    super.close();
                } finally {
                    jar.close();
                }
            }
        };
    }

    private static long crc(Path p) {
        try {
            CRC32 crc = new CRC32();
            crc.update(Files.readAllBytes(p));
            return crc.getValue();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
