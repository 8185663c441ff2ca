package cs.resources.benchmarks;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.jar.Attributes;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.util.tracker.ServiceTracker;
import org.osgi.util.tracker.ServiceTrackerCustomizer;

/**
 * A real Apache Felix framework for the benchmarks that measure what bundles see, started inside a
 * JMH {@code @State}: Felix SCR (with the OSGi component, promise and function bundles it needs) and the
 * bundles named, all from this jar's {@value #BUNDLES} folder, where the build puts them (names
 * without versions: {@code resources-impl.jar}, {@code benchmarks-fixture.jar}, ...).
 *
 * <h2>One class for a type, in the benchmark and in the bundles</h2>
 * A benchmark method calls a service through a type loaded from the class path, so the bundles
 * must use that very class. The system bundle exports the packages of the <em>shared</em> jars
 * from the class path: exactly the jar's own {@code Export-Package} header (versions and
 * {@code uses} included), so the bundles resolve as they would against the jar itself. The API
 * jar ({@code resources-api}) is always shared and never installed: the system bundle serves it.
 * A shared jar that is also installed as a bundle (the fixture: its component in a private
 * package, its service type exported) imports what it exports, as bnd makes every bundle do,
 * and that import resolves to the system bundle. {@link Builder#start()} checks the wiring of
 * every bundle it installed: a shared package that a bundle takes from anywhere but the system
 * bundle fails the start, naming the bundle and the package.
 *
 * <p>A consumer is a bundle of its own ({@link #installConsumer}: an empty bundle with a
 * manifest); {@link #service} gets a service through that bundle's context, so the object a
 * benchmark calls is exactly what that bundle got.
 *
 * <p>Not thread-safe: set up and torn down in one thread, as JMH does with a state's
 * {@code @Setup} and {@code @TearDown}. The services it hands out are as thread-safe as they are.
 */
public final class RunningFramework implements AutoCloseable {

    /** Where the bundles are, in this jar. */
    public static final String BUNDLES = "/bundles/";
    /** How long {@link #service} waits for a service, and {@link #close()} for the framework to stop. */
    static final long TIMEOUT_MILLIS = 30_000;

    private final Framework framework;
    private final Path storage;

    private RunningFramework(Framework framework, Path storage) {
        this.framework = framework;
        this.storage = storage;
    }

    /** @return a builder with SCR and the shared API; add what the benchmark needs */
    public static Builder builder() {
        return new Builder();
    }

    /** What to start: the jars to share through the system bundle, the bundles to install. */
    public static final class Builder {
        private final List<String> shared = new ArrayList<>(List.of("resources-api"));
        private final List<String> bundles = new ArrayList<>(List.of(
                "org.osgi.util.function", "org.osgi.util.promise", "org.osgi.service.component", "org.apache.felix.scr"));
        private final Map<String, String> properties = new LinkedHashMap<>();

        private Builder() {
        }

        /**
         * @param jar an embedded jar (file name without {@code .jar}) whose exported packages the
         *     system bundle exports from the class path
         * @return this builder
         */
        public Builder share(String jar) {
            shared.add(jar);
            return this;
        }

        /**
         * @param jar an embedded bundle (file name without {@code .jar}) to install and start, after
         *     the ones added before it
         * @return this builder
         */
        public Builder install(String jar) {
            bundles.add(jar);
            return this;
        }

        /**
         * @param key a framework property
         * @param value its value
         * @return this builder
         */
        public Builder property(String key, String value) {
            properties.put(key, value);
            return this;
        }

        /**
         * Starts Felix in a new temporary storage, installs the bundles in order, starts them, and
         * checks that every shared package a bundle imports comes from the system bundle.
         *
         * @return the running framework; close it in the state's {@code @TearDown}
         * @throws IllegalStateException if a bundle takes a shared package from elsewhere
         * @throws Exception if Felix or a bundle does not start
         */
        public RunningFramework start() throws Exception {
            Path storage = Files.createTempDirectory("cs-resources-benchmark-felix");
            Map<String, String> config = new HashMap<>();
            config.put(Constants.FRAMEWORK_STORAGE, storage.toString());
            config.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
            config.put("felix.log.level", "1");
            List<String> exports = new ArrayList<>();
            List<String> sharedPackages = new ArrayList<>();
            for (String jar : shared) {
                String header = manifest(jar).getValue(Constants.EXPORT_PACKAGE);
                if (header == null) {
                    throw new IllegalArgumentException(jar + ".jar exports nothing to share");
                }
                exports.add(header);
                sharedPackages.addAll(packageNames(header));
            }
            config.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA, String.join(",", exports));
            config.putAll(properties);
            Framework framework = ServiceLoader.load(FrameworkFactory.class).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no OSGi framework on the class path"))
                    .newFramework(config);
            framework.start();
            RunningFramework running = new RunningFramework(framework, storage);
            try {
                BundleContext system = framework.getBundleContext();
                List<Bundle> installed = new ArrayList<>();
                for (String jar : bundles) {
                    try (InputStream in = resource(jar)) {
                        installed.add(system.installBundle(BUNDLES + jar + ".jar", in));
                    }
                }
                for (Bundle b : installed) {
                    b.start();
                }
                for (Bundle b : installed) {
                    checkWiring(b, sharedPackages);
                }
                return running;
            } catch (Exception | Error e) {
                running.close();
                throw e;
            }
        }
    }

    /** Every shared package {@code b} imports must come from the system bundle. */
    private static void checkWiring(Bundle b, List<String> sharedPackages) {
        BundleWiring wiring = b.adapt(BundleWiring.class);
        if (wiring == null) {
            throw new IllegalStateException("bundle " + b.getSymbolicName() + " is not resolved");
        }
        for (BundleWire w : wiring.getRequiredWires(PackageNamespace.PACKAGE_NAMESPACE)) {
            Object pkg = w.getCapability().getAttributes().get(PackageNamespace.PACKAGE_NAMESPACE);
            long from = w.getProvider().getBundle().getBundleId();
            if (sharedPackages.contains(pkg) && from != 0) {
                throw new IllegalStateException("bundle " + b.getSymbolicName() + " takes package " + pkg
                        + " from bundle " + w.getProvider().getBundle().getSymbolicName()
                        + ", not from the system bundle: the benchmark's classes would not be its classes");
            }
        }
        for (String pkg : sharedPackages) {
            boolean exportsItself = wiring.getCapabilities(PackageNamespace.PACKAGE_NAMESPACE).stream()
                    .anyMatch(c -> pkg.equals(c.getAttributes().get(PackageNamespace.PACKAGE_NAMESPACE)));
            boolean imports = wiring.getRequiredWires(PackageNamespace.PACKAGE_NAMESPACE).stream()
                    .anyMatch(w -> pkg.equals(w.getCapability().getAttributes().get(PackageNamespace.PACKAGE_NAMESPACE)));
            if (exportsItself && !imports) {
                throw new IllegalStateException("bundle " + b.getSymbolicName() + " exports package " + pkg
                        + " without importing it: its classes are not the benchmark's");
            }
        }
    }

    /** @return the package names of an Export-Package header */
    static List<String> packageNames(String header) {
        List<String> names = new ArrayList<>();
        boolean quoted = false;
        int start = 0;
        for (int i = 0; i <= header.length(); i++) {
            char c = i < header.length() ? header.charAt(i) : ',';
            if (c == '"') {
                quoted = !quoted;
            } else if (c == ',' && !quoted) {
                String clause = header.substring(start, i);
                for (String part : clause.split(";")) {
                    String p = part.trim();
                    if (!p.contains("=") && !p.isEmpty()) {
                        names.add(p);
                    }
                }
                start = i + 1;
            }
        }
        return names;
    }

    private static InputStream resource(String jar) {
        InputStream in = RunningFramework.class.getResourceAsStream(BUNDLES + jar + ".jar");
        if (in == null) {
            throw new IllegalArgumentException("no bundle " + jar + ".jar in " + BUNDLES + " of the benchmarks jar");
        }
        return in;
    }

    private static Attributes manifest(String jar) throws IOException {
        try (JarInputStream in = new JarInputStream(resource(jar))) {
            Manifest m = in.getManifest();
            if (m == null) {
                throw new IllegalArgumentException(jar + ".jar has no manifest");
            }
            return m.getMainAttributes();
        }
    }

    /** @return the system bundle's context */
    public BundleContext systemContext() {
        return framework.getBundleContext();
    }

    /**
     * @param symbolicName a bundle's symbolic name
     * @return the installed bundle of that name
     * @throws IllegalArgumentException if there is none
     */
    public Bundle bundle(String symbolicName) {
        for (Bundle b : systemContext().getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new IllegalArgumentException("no bundle " + symbolicName);
    }

    /**
     * Installs and starts a consumer: a bundle with a manifest only, importing the packages named
     * (so that the framework matches services to it as to any bundle that uses those types).
     *
     * @param symbolicName its symbolic name
     * @param imports the packages it imports
     * @return the started bundle
     * @throws BundleException if it does not install or start
     */
    public Bundle installConsumer(String symbolicName, String... imports) throws BundleException {
        Manifest m = new Manifest();
        Attributes a = m.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue(Constants.BUNDLE_MANIFESTVERSION, "2");
        a.putValue(Constants.BUNDLE_SYMBOLICNAME, symbolicName);
        if (imports.length > 0) {
            a.putValue(Constants.IMPORT_PACKAGE, String.join(",", imports));
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarOutputStream out = new JarOutputStream(bytes, m)) {
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Bundle b = systemContext().installBundle("consumer:" + symbolicName, new ByteArrayInputStream(bytes.toByteArray()));
        b.start();
        return b;
    }

    /**
     * Gets a service as {@code consumer} gets it (through its context), waiting for it to appear.
     * The service stays got until the framework stops.
     *
     * @param consumer the bundle that gets it
     * @param type the service type
     * @param filter a filter the service must match, or null
     * @return what {@code consumer} got
     * @throws IllegalStateException if no such service appeared within 30 s, or it could not be got
     * @throws InterruptedException if interrupted while waiting
     */
    public <S> S service(Bundle consumer, Class<S> type, String filter) throws InterruptedException {
        BundleContext context = consumer.getBundleContext();
        String f = "(&(" + Constants.OBJECTCLASS + "=" + type.getName() + ")" + (filter == null ? "" : filter) + ")";
        ServiceTracker<S, ServiceReference<S>> tracker;
        try {
            tracker = new ServiceTracker<>(context, FrameworkUtil.createFilter(f), new ServiceTrackerCustomizer<>() {
                @Override
                public ServiceReference<S> addingService(ServiceReference<S> ref) {
                    return ref; // only the reference: the service is got once, below
                }

                @Override
                public void modifiedService(ServiceReference<S> ref, ServiceReference<S> same) {
                }

                @Override
                public void removedService(ServiceReference<S> ref, ServiceReference<S> same) {
                }
            });
        } catch (InvalidSyntaxException e) {
            throw new IllegalArgumentException("bad filter " + f, e);
        }
        tracker.open();
        try {
            ServiceReference<S> ref = tracker.waitForService(TIMEOUT_MILLIS);
            if (ref == null) {
                throw new IllegalStateException("no service " + f + " for bundle " + consumer.getSymbolicName()
                        + " within " + TIMEOUT_MILLIS + " ms");
            }
            S service = context.getService(ref);
            if (service == null) {
                throw new IllegalStateException("service " + ref + " could not be got by " + consumer.getSymbolicName());
            }
            return service;
        } finally {
            tracker.close();
        }
    }

    /**
     * Stops the framework, waits for it (up to 30 s; an interrupt ends the wait and stays set), and
     * deletes its storage.
     */
    @Override
    public void close() throws BundleException, IOException {
        try {
            framework.stop();
            framework.waitForStop(TIMEOUT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try (Stream<Path> files = Files.walk(storage)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
