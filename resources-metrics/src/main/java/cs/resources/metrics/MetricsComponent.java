package cs.resources.metrics;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import cs.resources.metrics.jakarta.MetricsServlet;
import cs.resources.metrics.jdk.JdkEndpoint;
import cs.resources.runtime.ResourcesRuntime;

/**
 * Meters for everything the runtime lists, in every {@link MeterRegistry} service; with none, in a
 * Prometheus registry of this bundle's own, registered as a {@code MeterRegistry} service (property
 * {@value #OWN}{@code =own}) and served at {@code /metrics}: as a Jakarta servlet under the Servlet
 * Whiteboard (with the Web Console's user and password) when {@code jakarta.servlet.http} is wired,
 * and on the JDK's HTTP server when a port is configured (property or configuration).
 *
 * <p>One thread of its own does everything that registers or removes meters, registries, services
 * and servers (SCR's callbacks only hand it work), so no lock of this component is held while
 * Micrometer, the framework or a server runs.
 */
@Component(service = {}, immediate = true, configurationPid = MetricsComponent.PID)
@Designate(ocd = MetricsComponent.Config.class)
public final class MetricsComponent {

    /** Configuration PID. */
    public static final String PID = "cs.resources.metrics";
    /** Service property of this bundle's own registry (value {@code own}); its meters never go to another's. */
    public static final String OWN = "cs.resources.metrics.registry";
    /** Service property of the JDK endpoint's service (a {@link URI}): its URL. */
    public static final String ENDPOINT = "cs.resources.metrics.endpoint";
    /** Framework properties read when the configuration does not say. */
    static final String PORT_PROPERTY = "cs.resources.metrics.port";
    static final String HOST_PROPERTY = "cs.resources.metrics.host";
    static final String USER_PROPERTY = "cs.resources.metrics.user";
    static final String PASSWORD_PROPERTY = "cs.resources.metrics.password";
    static final String CONSOLE_USER_PROPERTY = "felix.webconsole.username";
    static final String CONSOLE_PASSWORD_PROPERTY = "felix.webconsole.password";

    private static final System.Logger LOG = System.getLogger(MetricsComponent.class.getName());

    /** The component's configuration. */
    @ObjectClassDefinition(name = "cs.resources metrics",
            description = "Micrometer meters for the pools, RunStates and MultiOpens the cs.resources runtime lists")
    public @interface Config {
        /** @return seconds between two readings of the runtime when nobody reads the meters */
        @AttributeDefinition(description = "Seconds between two readings of the runtime when no registry reads the meters (new pools, tasks that ended)")
        int syncSeconds() default 5;

        /** @return how old a reading may be and still serve a meter */
        @AttributeDefinition(description = "Milliseconds a reading of the runtime serves the meters before it is read again")
        long maxAgeMillis() default 1000;

        /** @return the JDK endpoint's port; -1: framework property cs.resources.metrics.port, or none */
        @AttributeDefinition(description = "Port of /metrics on the JDK's HTTP server (0: a free one; -1: framework property cs.resources.metrics.port, else no server)")
        int port() default -1;

        /** @return the JDK endpoint's address */
        @AttributeDefinition(description = "Address of /metrics on the JDK's HTTP server (empty: framework property cs.resources.metrics.host, else 127.0.0.1)")
        String host() default "";

        /** @return the endpoints' user */
        @AttributeDefinition(description = "User for /metrics (empty: cs.resources.metrics.user, or for the servlet felix.webconsole.username; else admin)")
        String user() default "";

        /** @return the endpoints' password */
        @AttributeDefinition(type = org.osgi.service.metatype.annotations.AttributeType.PASSWORD,
                description = "Password for /metrics (empty: framework property cs.resources.metrics.password, or for the servlet felix.webconsole.password; no password, no endpoint)")
        String password() default "";
    }

    @Reference
    private ResourcesRuntime runtime;

    private final List<MeterRegistry> external = new CopyOnWriteArrayList<>();
    private final AtomicBoolean syncPending = new AtomicBoolean();
    private volatile ScheduledExecutorService executor;
    private volatile PrometheusMeterRegistry ownForScrape;

    // Confined to the executor's thread.
    private final Map<MeterRegistry, ResourceMeters> bound = new IdentityHashMap<>();
    private Snapshots snapshots;
    private PrometheusMeterRegistry own;
    private ServiceRegistration<MeterRegistry> ownRegistration;
    /** Closed in reverse order of opening. Only closeables: the classes behind them load only if their packages are wired. */
    private final List<AutoCloseable> endpoints = new ArrayList<>();

    /**
     * @param registry a registry another bundle registered
     */
    @Reference(service = MeterRegistry.class, cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            target = "(!(" + OWN + "=own))")
    void bindRegistry(MeterRegistry registry) {
        external.add(registry);
        submit(this::reconcile);
    }

    void unbindRegistry(MeterRegistry registry) {
        external.remove(registry);
        submit(this::reconcile);
    }

    @Activate
    void activate(BundleContext context, Config config) {
        if (config.syncSeconds() < 1) {
            throw new IllegalArgumentException(PID + ": syncSeconds must be at least 1, not " + config.syncSeconds());
        }
        if (config.maxAgeMillis() < 0) {
            throw new IllegalArgumentException(PID + ": maxAgeMillis must not be negative, not " + config.maxAgeMillis());
        }
        bundleContext = context;
        ResourcesRuntime rt = runtime;
        ScheduledExecutorService ex = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cs.resources.metrics");
            t.setDaemon(true);
            return t;
        });
        // Published before the first task runs: its reading asks (requestSync) for a follow, which
        // goes to this executor. Set after, a busy machine could let that request find none and be
        // lost, leaving a pending flag that refused every later one: no new series but at scrapes.
        executor = ex;
        ex.execute(() -> {
            snapshots = new Snapshots(() -> Listing.of(rt), TimeUnit.MILLISECONDS.toNanos(config.maxAgeMillis()),
                    this::requestSync);
            reconcile();
            startEndpoints(context, config);
        });
        // A reading follows the runtime into the meters (new pools, ended RunStates) when nobody scrapes.
        // A task of scheduleWithFixedDelay that throws is never run again: a failed reading is logged
        // and the next one comes as planned.
        ex.scheduleWithFixedDelay(() -> {
            try {
                snapshots.latest();
            } catch (RuntimeException | LinkageError e) {
                LOG.log(Level.WARNING, "cs.resources.metrics: reading the runtime failed; trying again in "
                        + config.syncSeconds() + " s", e);
            }
        }, config.syncSeconds(), config.syncSeconds(), TimeUnit.SECONDS);
    }

    @Deactivate
    void deactivate() {
        ScheduledExecutorService ex = executor;
        executor = null;
        ex.execute(() -> {
            for (int i = endpoints.size() - 1; i >= 0; i--) {
                closeQuietly(endpoints.get(i));
            }
            endpoints.clear();
            bound.values().forEach(ResourceMeters::close);
            bound.clear();
            dropOwn();
        });
        ex.shutdown();
        try {
            if (!ex.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.log(Level.WARNING, "cs.resources.metrics: its thread did not end within 10 s of deactivation");
                ex.shutdownNow();
            }
        } catch (InterruptedException e) {
            ex.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /** @return this bundle's own Prometheus registry's scrape, or null while meters go to other registries */
    String scrape() {
        PrometheusMeterRegistry r = ownForScrape;
        if (r == null) {
            return null;
        }
        followNow();
        return r.scrape();
    }

    /**
     * Before a scrape of this bundle's own registry: the meters follow a reading no older than the
     * maximum age, in the component's thread, so that a series which that reading is the first to
     * have (the first RunState of a name to end so, a new pool) is in this scrape, not the next.
     */
    private void followNow() {
        ScheduledExecutorService ex = executor;
        if (ex == null) {
            return;
        }
        try {
            ex.submit(() -> {
                if (snapshots != null) {
                    Listing l = snapshots.latest();
                    bound.values().forEach(m -> m.follow(l));
                }
            }).get(FOLLOW_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (RejectedExecutionException e) {
            // deactivated meanwhile: the scrape serves what is left
        } catch (ExecutionException | TimeoutException e) {
            LOG.log(Level.WARNING, "cs.resources.metrics: the meters did not follow the runtime before a scrape", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** How long a scrape waits for the meters to follow the runtime. */
    private static final long FOLLOW_TIMEOUT_SECONDS = 10;

    /** @return whether the task was handed to the component's thread (false: deactivated) */
    private boolean submit(Runnable task) {
        ScheduledExecutorService ex = executor;
        if (ex != null) {
            try {
                ex.execute(task);
                return true;
            } catch (RejectedExecutionException e) {
                // deactivated meanwhile: its cleanup removes everything
            }
        }
        return false;
    }

    /** After each reading of the runtime: the meters follow it (once, however many readings wait). */
    private void requestSync() {
        if (syncPending.compareAndSet(false, true) && !submit(() -> {
            syncPending.set(false);
            Listing l = snapshots.last();
            bound.values().forEach(m -> m.follow(l));
        })) {
            syncPending.set(false); // not pending: nothing will run it
        }
    }

    /** The registries meters go to: every other bundle's, or with none this bundle's own. */
    private void reconcile() {
        if (snapshots == null) {
            return; // activation's first task has not run yet: it reconciles
        }
        List<MeterRegistry> wanted = new ArrayList<>(external);
        if (wanted.isEmpty()) {
            if (own == null) {
                own = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            }
            wanted.add(own);
        }
        for (var it = bound.entrySet().iterator(); it.hasNext();) {
            var e = it.next();
            if (!wanted.contains(e.getKey())) {
                e.getValue().close();
                it.remove();
            }
        }
        Listing listing = null;
        for (MeterRegistry r : wanted) {
            if (!bound.containsKey(r)) {
                ResourceMeters meters = new ResourceMeters(r, snapshots::latest);
                bound.put(r, meters);
                if (listing == null) {
                    listing = snapshots.latest();
                }
                meters.follow(listing);
            }
        }
        if (!wanted.contains(own)) {
            dropOwn();
        } else if (ownRegistration == null) {
            Hashtable<String, Object> props = new Hashtable<>();
            props.put(OWN, "own");
            props.put("service.description", "cs.resources.metrics: its own Prometheus registry (no other MeterRegistry service)");
            ownRegistration = bundleContext.registerService(MeterRegistry.class, own, props);
            ownForScrape = own;
        }
    }

    private BundleContext bundleContext;

    private void dropOwn() {
        ownForScrape = null;
        if (ownRegistration != null) {
            try {
                ownRegistration.unregister();
            } catch (IllegalStateException e) {
                // unregistered with the bundle already
            }
            ownRegistration = null;
        }
        if (own != null) {
            ResourceMeters m = bound.remove(own);
            if (m != null) {
                m.close();
            }
            own.close();
            own = null;
        }
    }

    private void startEndpoints(BundleContext context, Config config) {
        Set<String> wired = wiredPackages(context.getBundle());
        if (wired.contains("jakarta.servlet.http")) {
            String password = first(config.password(), context.getProperty(CONSOLE_PASSWORD_PROPERTY));
            if (password == null) {
                LOG.log(Level.INFO, "cs.resources.metrics: no password (configuration " + PID + " or framework property "
                        + CONSOLE_PASSWORD_PROPERTY + "): /metrics is not served under the Servlet Whiteboard");
            } else {
                String user = first(config.user(), context.getProperty(CONSOLE_USER_PROPERTY), "admin");
                endpoints.add(MetricsServlet.register(context, new Exposition(this::scrape, user, password)));
            }
        }
        int port = config.port();
        if (port < 0) {
            String p = context.getProperty(PORT_PROPERTY);
            if (p == null || p.isBlank()) {
                return;
            }
            try {
                port = Integer.parseInt(p.trim());
            } catch (NumberFormatException e) {
                LOG.log(Level.ERROR, "cs.resources.metrics: framework property " + PORT_PROPERTY + " is not a port: " + p);
                return;
            }
        }
        if (port > 65535) {
            LOG.log(Level.ERROR, "cs.resources.metrics: " + port + " is not a port");
            return;
        }
        if (!wired.contains("com.sun.net.httpserver")) {
            LOG.log(Level.ERROR, "cs.resources.metrics: a port is configured for /metrics, but package com.sun.net.httpserver"
                    + " is not wired (add it to org.osgi.framework.system.packages.extra)");
            return;
        }
        String password = first(config.password(), context.getProperty(PASSWORD_PROPERTY));
        if (password == null) {
            LOG.log(Level.ERROR, "cs.resources.metrics: no password (configuration " + PID + " or framework property "
                    + PASSWORD_PROPERTY + "): /metrics is not served on port " + port);
            return;
        }
        String user = first(config.user(), context.getProperty(USER_PROPERTY), "admin");
        String host = first(config.host(), context.getProperty(HOST_PROPERTY), "127.0.0.1");
        try {
            endpoints.add(JdkEndpoint.serve(context, host, port, new Exposition(this::scrape, user, password), ENDPOINT));
        } catch (IOException e) {
            LOG.log(Level.ERROR, "cs.resources.metrics: cannot serve /metrics on " + host + ":" + port, e);
        }
    }

    private static String first(String... values) {
        for (String v : values) {
            if (v != null && !v.isEmpty()) {
                return v;
            }
        }
        return null;
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception | LinkageError e) {
            LOG.log(Level.WARNING, "cs.resources.metrics: closing an endpoint failed", e);
        }
    }

    /**
     * @param bundle a resolved bundle
     * @return the packages its imports are wired to
     */
    static Set<String> wiredPackages(Bundle bundle) {
        Set<String> packages = new TreeSet<>();
        BundleWiring wiring = bundle.adapt(BundleWiring.class);
        if (wiring != null) {
            for (BundleWire w : wiring.getRequiredWires(PackageNamespace.PACKAGE_NAMESPACE)) {
                Object p = w.getCapability().getAttributes().get(PackageNamespace.PACKAGE_NAMESPACE);
                if (p instanceof String s) {
                    packages.add(s);
                }
            }
        }
        return packages;
    }
}
