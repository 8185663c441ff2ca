package cs.resources.itest.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Dictionary;
import java.util.HashSet;
import java.util.Hashtable;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.common.service.ServiceAware;

import cs.resources.MultiOpen;
import cs.resources.Pool;
import cs.resources.RunState;
import cs.resources.runtime.ResourcesRuntime;
import cs.resources.runtime.TaskHandle;
import cs.resources.runtime.TaskService;

/**
 * resources-metrics against the real runtime: what a bundle registers (a Pool, a RunState, a
 * MultiOpen) is metered, tagged with its name and bundle, in the metrics bundle's own Prometheus
 * registry and at its {@code /metrics} on the JDK's HTTP server; a RunState that ends is counted
 * by outcome; another bundle's registry takes the meters over; the thread and the server end with
 * the bundle; a bad configuration is refused by name.
 */
class MetricsIT {

    static final long TIMEOUT = 10_000;
    static final String SELF = "cs.resources.itest.metrics.tests";
    static final String OWN = "(cs.resources.metrics.registry=own)";
    static final String ENDPOINT = "cs.resources.metrics.endpoint";

    @InjectBundleContext
    BundleContext context;

    @InjectService(cardinality = 0, filter = OWN)
    ServiceAware<MeterRegistry> own;

    @InjectService(timeout = TIMEOUT)
    ConfigurationAdmin configAdmin;

    @InjectService(timeout = TIMEOUT)
    ServiceComponentRuntime scr;

    @InjectService(timeout = TIMEOUT)
    ResourcesRuntime runtime;

    @InjectService(timeout = TIMEOUT)
    TaskService tasks;

    private final List<ServiceRegistration<?>> registrations = new java.util.ArrayList<>();
    private final List<AutoCloseable> closeables = new java.util.ArrayList<>();

    @AfterEach
    void unregister() throws Exception {
        for (ServiceRegistration<?> r : registrations) {
            try {
                r.unregister();
            } catch (IllegalStateException e) {
                // unregistered by the test
            }
        }
        for (AutoCloseable c : closeables) {
            c.close();
        }
    }

    @Test
    void poolsRunStatesAndMultiOpensAreMeteredByNameAndBundle() throws Exception {
        MeterRegistry registry = own.waitForService(TIMEOUT);
        assertThat(registry).as("the metrics bundle's own registry, with no other").isNotNull();

        Pool<StringBuilder> pool = Pool.builder(StringBuilder::new).name("metered-pool").maxTotal(3).build();
        closeables.add(pool);
        registrations.add(context.registerService(Pool.class, pool, null));
        Pool.Lease<StringBuilder> first = pool.instance();
        try (Pool.Lease<StringBuilder> second = pool.instance()) {
            assertThat(second.get()).isNotNull();
        }
        RunState running = new RunState("metered-task").start();
        registrations.add(context.registerService(RunState.class, running, null));
        AtomicInteger startups = new AtomicInteger();
        MultiOpen shared = MultiOpen.of(new cs.resources.Openable() {
            @Override
            public void open() {
                startups.incrementAndGet();
            }

            @Override
            public void close() {
            }
        });
        registrations.add(context.registerService(MultiOpen.class, shared, null));
        shared.open();
        shared.open();

        awaitGauge(registry, "cs.resources.pool.in.use", "metered-pool", 1);
        assertThat(gauge(registry, "cs.resources.pool.idle", "metered-pool")).isEqualTo(1);
        assertThat(gauge(registry, "cs.resources.pool.cap", "metered-pool")).isEqualTo(3);
        assertThat(gauge(registry, "cs.resources.pool.waiting", "metered-pool")).isZero();
        assertThat(registry.get("cs.resources.pool.creations").tags("name", "metered-pool", "bundle", SELF).functionCounter().count())
                .isEqualTo(2);
        awaitGauge(registry, "cs.resources.multiopen.opens", shared.getClass().getName(), 2);
        assertThat(registry.get("cs.resources.runstates.live").tags("name", "metered-task", "bundle", SELF, "state", "running")
                .gauge().value()).isEqualTo(1);

        // The same at /metrics, in the Prometheus text format, behind the password.
        URI endpoint = endpoint();
        assertThat(endpoint.getHost()).isEqualTo("127.0.0.1");
        String text = get(endpoint, "admin", "itest-secret", 200);
        assertThat(text)
                .contains("cs_resources_pool_in_use{bundle=\"" + SELF + "\",name=\"metered-pool\"} 1.0\n")
                .contains("cs_resources_pool_creations_total{bundle=\"" + SELF + "\",name=\"metered-pool\"} 2.0\n")
                .contains("cs_resources_runstates_live{bundle=\"" + SELF + "\",name=\"metered-task\",state=\"running\"} 1.0\n");
        get(endpoint, null, null, 401);
        get(endpoint, "admin", "wrong", 401);
        get(endpoint, "intruder", "itest-secret", 401);

        // It ends, cancelled: counted once, by outcome, with its run time; its live series goes.
        running.cancel();
        running.stop();
        awaitCount(registry, "metered-task", "cancelled", 1);
        // Registered with the counter, in the metrics thread: it may come a moment after it.
        await("the run time of metered-task, cancelled", () -> registry.find("cs.resources.runstates.run.time")
                .tags("name", "metered-task", "bundle", SELF, "outcome", "cancelled").functionTimer() != null);
        FunctionTimer runTime = registry.get("cs.resources.runstates.run.time")
                .tags("name", "metered-task", "bundle", SELF, "outcome", "cancelled").functionTimer();
        assertThat(runTime.count()).isEqualTo(1);
        await("the live series of metered-task goes", () -> registry.find("cs.resources.runstates.live")
                .tags("name", "metered-task").gauges().isEmpty());
        assertThat(counter(registry, "metered-task", "cancelled")).as("counted once").isEqualTo(1);
        first.close();
        assertThat(startups).hasValue(1);
        shared.close();
        shared.close();
    }

    @Test
    void aPoolsWaitAndHoldTimesAndLongLeasesAreMetered() throws Exception {
        MeterRegistry registry = own.waitForService(TIMEOUT);
        assertThat(registry).isNotNull();
        Pool<StringBuilder> pool = Pool.builder(StringBuilder::new).name("timed-pool").maxTotal(1).recordHoldTimes(true)
                .longLeaseWarning(Duration.ofMillis(20)).build();
        closeables.add(pool);
        registrations.add(context.registerService(Pool.class, pool, null));

        // One lease held past the long-lease warning while a second borrower waits at the cap.
        Pool.Lease<StringBuilder> held = pool.instance();
        long leased = System.nanoTime();
        java.util.concurrent.CompletableFuture<Void> waiter = java.util.concurrent.CompletableFuture.runAsync(() -> {
            try (Pool.Lease<StringBuilder> lease = pool.instance()) {
                assertThat(lease.get()).isNotNull();
            }
        });
        await("a borrower waits at the cap and the lease is found long", () -> pool.stats().waiting() == 1
                && pool.stats().longLeases() == 1);
        long waiting = System.nanoTime();
        // Lower bounds of the first hold and of the wait: each began before and ends after.
        Duration heldAtLeast = Duration.ofNanos(System.nanoTime() - leased);
        Duration waitedAtLeast = Duration.ofNanos(System.nanoTime() - waiting);
        held.close();
        waiter.get(TIMEOUT, java.util.concurrent.TimeUnit.MILLISECONDS);
        Pool.Stats stats = pool.stats();
        assertThat(stats.waitTimes().count()).isEqualTo(1);
        assertThat(stats.holdTimes().count()).isEqualTo(2);

        Tags tags = Tags.of("name", "timed-pool", "bundle", SELF);
        await("the hold timer of timed-pool counts both leases", () -> {
            FunctionTimer hold = registry.find("cs.resources.pool.hold").tags(tags).functionTimer();
            return hold != null && hold.count() == 2;
        });
        FunctionTimer wait = registry.get("cs.resources.pool.wait").tags(tags).functionTimer();
        assertThat(wait.count()).isEqualTo(1);
        // In seconds, within HdrHistogram's 1% of the pool's own figures.
        assertThat(wait.totalTime(java.util.concurrent.TimeUnit.NANOSECONDS))
                .isGreaterThanOrEqualTo(waitedAtLeast.toNanos() * 0.99);
        assertThat(registry.get("cs.resources.pool.wait.max").tags(tags).gauge().value())
                .isGreaterThanOrEqualTo(waitedAtLeast.toNanos() * 0.99 / 1e9);
        FunctionTimer hold = registry.get("cs.resources.pool.hold").tags(tags).functionTimer();
        assertThat(hold.totalTime(java.util.concurrent.TimeUnit.NANOSECONDS))
                .isGreaterThanOrEqualTo(heldAtLeast.toNanos() * 0.99);
        assertThat(registry.get("cs.resources.pool.hold.max").tags(tags).gauge().value())
                .isGreaterThanOrEqualTo(heldAtLeast.toNanos() * 0.99 / 1e9)
                .isCloseTo(stats.holdTimes().max().toNanos() / 1e9, org.assertj.core.data.Offset.offset(1e-9));
        for (String timer : List.of("cs.resources.pool.wait", "cs.resources.pool.hold")) {
            assertThat(registry.find(timer + ".percentile").tags(tags).gauges())
                    .as(timer + "'s percentiles, in seconds")
                    .extracting(g -> g.getId().getTag("phi"))
                    .containsExactlyInAnyOrder("0.5", "0.9", "0.99", "0.999");
            double max = registry.get(timer + ".max").tags(tags).gauge().value();
            assertThat(max).isPositive();
            assertThat(registry.get(timer + ".percentile").tags(tags).tag("phi", "0.5").gauge().value())
                    .isPositive().isLessThanOrEqualTo(max);
        }
        assertThat(registry.get("cs.resources.pool.long.leases").tags(tags).functionCounter().count()).isEqualTo(1);

        // The same at /metrics, as Prometheus shows a timer beside its percentile and max gauges.
        String text = scrape(endpoint());
        String pt = "{bundle=\"" + SELF + "\",name=\"timed-pool\"";
        assertThat(text)
                .contains("# TYPE cs_resources_pool_wait_seconds summary\n")
                .contains("cs_resources_pool_wait_seconds_count" + pt + "} 1\n")
                .contains("cs_resources_pool_hold_seconds_count" + pt + "} 2\n")
                .contains("cs_resources_pool_wait_percentile_seconds" + pt + ",phi=\"0.99\"} ")
                .contains("cs_resources_pool_hold_percentile_seconds" + pt + ",phi=\"0.999\"} ")
                .contains("cs_resources_pool_wait_max_seconds" + pt + "} ")
                .contains("cs_resources_pool_hold_max_seconds" + pt + "} ")
                .contains("cs_resources_pool_long_leases_total" + pt + "} 1.0\n");
    }

    @Test
    void aMultiOpensStartupsFailedStartupsAndShutdownsAreCounted() throws Exception {
        MeterRegistry registry = own.waitForService(TIMEOUT);
        assertThat(registry).isNotNull();
        // A MultiOpen whose first startup fails, then starts up and shuts down.
        AtomicInteger attempts = new AtomicInteger();
        MultiOpen shared = MultiOpen.of(new cs.resources.Openable() {
            @Override
            public void open() {
                if (attempts.incrementAndGet() == 1) {
                    throw new IllegalStateException("first startup fails");
                }
            }

            @Override
            public void close() {
            }
        });
        registrations.add(context.registerService(MultiOpen.class, shared, null));
        org.assertj.core.api.Assertions.assertThatThrownBy(shared::open).hasStackTraceContaining("first startup fails");
        shared.open();
        shared.close();
        Tags m = Tags.of("name", shared.getClass().getName(), "bundle", SELF);
        await("the shutdown of the MultiOpen is counted", () -> {
            FunctionCounter c = registry.find("cs.resources.multiopen.shutdowns").tags(m).functionCounter();
            return c != null && c.count() == 1;
        });
        assertThat(registry.get("cs.resources.multiopen.startups").tags(m).functionCounter().count()).isEqualTo(1);
        assertThat(registry.get("cs.resources.multiopen.startup.failures").tags(m).functionCounter().count()).isEqualTo(1);

        String mt = "{bundle=\"" + SELF + "\",name=\"" + shared.getClass().getName() + "\"}";
        assertThat(scrape(endpoint()))
                .contains("cs_resources_multiopen_startups_total" + mt + " 1.0\n")
                .contains("cs_resources_multiopen_startup_failures_total" + mt + " 1.0\n")
                .contains("cs_resources_multiopen_shutdowns_total" + mt + " 1.0\n");
    }

    @Test
    void aTaskIsMeteredUnderTheBundleThatSubmittedItNotTheTaskServices() throws Exception {
        MeterRegistry registry = own.waitForService(TIMEOUT);
        assertThat(registry).isNotNull();
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        TaskHandle<Void> handle = tasks.submit("submitted-task", rs -> release.await());
        try {
            await("submitted-task is metered running under " + SELF, () -> {
                Gauge g = registry.find("cs.resources.runstates.live")
                        .tags("name", "submitted-task", "bundle", SELF, "state", "running").gauge();
                return g != null && g.value() == 1;
            });
            assertThat(registry.find("cs.resources.runstates.live").tags("name", "submitted-task").gauges())
                    .as("one series, under the submitting bundle").hasSize(1);
        } finally {
            release.countDown();
        }
        handle.get(TIMEOUT, java.util.concurrent.TimeUnit.MILLISECONDS);
        awaitCount(registry, "submitted-task", "completed", 1);
        assertThat(registry.find("cs.resources.runstates.ended").tags("name", "submitted-task").functionCounters())
                .as("ended under the submitting bundle only").hasSize(1);
    }

    @Test
    void anotherBundlesRegistryTakesTheMetersAndTheOwnOneComesBackWithoutIt() throws Exception {
        assertThat(own.waitForService(TIMEOUT)).isNotNull();
        SimpleMeterRegistry simple = new SimpleMeterRegistry();
        Pool<Object> pool = Pool.builder(Object::new).name("elsewhere-pool").build();
        closeables.add(pool);
        registrations.add(context.registerService(Pool.class, pool, null));
        ServiceRegistration<MeterRegistry> reg = context.registerService(MeterRegistry.class, simple, null);
        registrations.add(reg);
        await("the own registry is withdrawn", () -> own.isEmpty());
        try (Pool.Lease<Object> lease = pool.instance()) {
            assertThat(lease.get()).isNotNull();
            awaitGauge(simple, "cs.resources.pool.in.use", "elsewhere-pool", 1);
        }
        reg.unregister();
        MeterRegistry back = own.waitForService(TIMEOUT);
        assertThat(back).isNotNull();
        awaitGauge(back, "cs.resources.pool.idle", "elsewhere-pool", 1);
        await("the meters leave the departed registry",
                () -> simple.find("cs.resources.pool.idle").tags("name", "elsewhere-pool").gauges().isEmpty());
    }

    @Test
    void theThreadAndTheServerEndWithTheBundleAndComeBackWithIt() throws Exception {
        assertThat(own.waitForService(TIMEOUT)).isNotNull();
        Pool<Object> pool = Pool.builder(Object::new).name("restart-pool").build();
        closeables.add(pool);
        registrations.add(context.registerService(Pool.class, pool, null));
        URI endpoint = endpoint();
        Bundle metrics = bundle("cs.resources.metrics");
        assertThat(threads()).as("the metrics thread runs").isPositive();
        metrics.stop();
        try {
            assertThat(threads()).as("no metrics thread after the bundle stopped").isZero();
            assertThat(own.isEmpty()).isTrue();
            try {
                get(endpoint, "admin", "itest-secret", 0);
                throw new AssertionError("the endpoint still answers after the bundle stopped: " + endpoint);
            } catch (ConnectException expected) {
                // the server is gone
            }
        } finally {
            metrics.start();
        }
        assertThat(own.waitForService(TIMEOUT)).isNotNull();
        URI again = endpoint();
        await("the pool is served again", () -> {
            try {
                return get(again, "admin", "itest-secret", 200).contains("cs_resources_pool_idle{bundle=\"" + SELF + "\",name=\"restart-pool\"}");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    @Test
    void anOutcomeHasASeriesFromItsFirstEndOnInTheScrapeThatFirstReadsIt() throws Exception {
        assertThat(own.waitForService(TIMEOUT)).isNotNull();
        await("the endpoint is up", () -> !serviceIds(ENDPOINT_FILTER).isEmpty());
        Set<Long> before = running();
        Configuration config = configAdmin.getConfiguration("cs.resources.metrics", "?");
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("maxAgeMillis", 0L); // every scrape reads the runtime afresh
        config.update(props);
        try {
            await("the component runs with maxAgeMillis=0", () -> activeWith("maxAgeMillis", 0L));
            // Not enough alone: once (Equinox, a busy machine) the old instance's endpoint was still
            // listed after this and went between endpoint() and the scrape (connection refused).
            awaitReplaced(before);
            URI endpoint = endpoint();
            RunState task = new RunState("first-end").start();
            registrations.add(context.registerService(RunState.class, task, null));
            String live = "cs_resources_runstates_live{bundle=\"" + SELF + "\",name=\"first-end\",state=\"running\"} 1.0\n";
            await("/metrics shows first-end running", () -> scrape(endpoint).contains(live));
            assertThat(scrape(endpoint)).as("no ended series before an end").doesNotContain("name=\"first-end\",outcome=");

            task.cancel();
            task.stop();
            await("the runtime lists first-end cancelled", () -> runtime.runStates(true).stream()
                    .anyMatch(r -> r.name().equals("first-end") && r.state() == RunState.State.CANCELLED));
            // The scrape that reads the runtime first listing the end already has its series.
            assertThat(scrape(endpoint))
                    .contains("cs_resources_runstates_ended_total{bundle=\"" + SELF + "\",name=\"first-end\",outcome=\"cancelled\"} 1.0\n")
                    .contains("cs_resources_runstates_run_time_seconds_count{bundle=\"" + SELF + "\",name=\"first-end\",outcome=\"cancelled\"} 1\n")
                    .as("outcomes that never happened have no series")
                    .doesNotContain("name=\"first-end\",outcome=\"completed\"")
                    .doesNotContain("name=\"first-end\",outcome=\"failed\"");
        } finally {
            before = running();
            config.delete();
        }
        // The component restarts without the configuration: the next test must not get this one's registry.
        await("the component runs with the default maxAgeMillis", () -> activeWith("maxAgeMillis", 1000L));
        awaitReplaced(before);
        assertThat(own.waitForService(TIMEOUT)).as("back with the defaults").isNotNull();
    }

    @Test
    void aConfigurationItCannotUseIsRefusedByName() throws Exception {
        assertThat(own.waitForService(TIMEOUT)).isNotNull();
        Configuration config = configAdmin.getConfiguration("cs.resources.metrics", "?");
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("syncSeconds", 0);
        config.update(props);
        try {
            await("the component refuses syncSeconds=0", () -> failure().contains("syncSeconds must be at least 1, not 0"));
            assertThat(own.isEmpty()).as("no registry from a refused configuration").isTrue();
        } finally {
            config.delete();
        }
        assertThat(own.waitForService(TIMEOUT)).as("back with the defaults").isNotNull();
    }

    // ------------------------------------------------------------------------------- helpers

    static final String ENDPOINT_FILTER = "(" + ENDPOINT + "=*)";

    /** @return the service ids of the metrics component's own registry and endpoint, now */
    private Set<Long> running() {
        Set<Long> ids = new HashSet<>(serviceIds(OWN));
        ids.addAll(serviceIds(ENDPOINT_FILTER));
        return ids;
    }

    /**
     * Waits until a component restarted by a configuration change has replaced its services: none
     * of {@code before} is registered, and a new own registry and endpoint are.
     */
    private void awaitReplaced(Set<Long> before) throws InterruptedException {
        await("the restarted component's registry and endpoint replace " + before, () -> {
            Set<Long> registries = serviceIds(OWN);
            Set<Long> endpoints = serviceIds(ENDPOINT_FILTER);
            return !registries.isEmpty() && !endpoints.isEmpty() && java.util.Collections.disjoint(registries, before)
                    && java.util.Collections.disjoint(endpoints, before);
        });
    }

    private Set<Long> serviceIds(String filter) {
        try {
            ServiceReference<?>[] refs = context.getServiceReferences((String) null, filter);
            Set<Long> ids = new HashSet<>();
            for (ServiceReference<?> ref : refs == null ? new ServiceReference<?>[0] : refs) {
                ids.add((Long) ref.getProperty(org.osgi.framework.Constants.SERVICE_ID));
            }
            return ids;
        } catch (org.osgi.framework.InvalidSyntaxException e) {
            throw new AssertionError(e);
        }
    }

    /** @return whether the metrics component is active with that property value */
    private boolean activeWith(String key, Object value) {
        for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs(bundle("cs.resources.metrics"))) {
            for (ComponentConfigurationDTO c : scr.getComponentConfigurationDTOs(d)) {
                if (c.state == ComponentConfigurationDTO.ACTIVE && java.util.Objects.equals(value, c.properties.get(key))) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String scrape(URI endpoint) {
        try {
            return get(endpoint, "admin", "itest-secret", 200);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private String failure() {
        for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs(bundle("cs.resources.metrics"))) {
            for (ComponentConfigurationDTO c : scr.getComponentConfigurationDTOs(d)) {
                if (c.failure != null) {
                    return c.failure;
                }
            }
        }
        return "";
    }

    private URI endpoint() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMillis(TIMEOUT).toNanos();
        while (System.nanoTime() < deadline) {
            for (ServiceReference<?> ref : serviceReferences()) {
                return URI.create((String) ref.getProperty(ENDPOINT));
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no service with property " + ENDPOINT + " within " + TIMEOUT + " ms");
    }

    private ServiceReference<?>[] serviceReferences() {
        try {
            ServiceReference<?>[] refs = context.getServiceReferences((String) null, "(" + ENDPOINT + "=*)");
            return refs == null ? new ServiceReference<?>[0] : refs;
        } catch (org.osgi.framework.InvalidSyntaxException e) {
            throw new AssertionError(e);
        }
    }

    /** @return the body, after checking the status (0: do not check) */
    private static String get(URI uri, String user, String password, int status) throws IOException {
        HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
        c.setConnectTimeout(5_000);
        c.setReadTimeout(10_000);
        if (user != null) {
            c.setRequestProperty("Authorization", "Basic "
                    + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
        }
        try {
            int code = c.getResponseCode();
            if (status != 0) {
                assertThat(code).as("GET %s as %s", uri, user).isEqualTo(status);
            }
            if (code == 401) {
                assertThat(c.getHeaderField("WWW-Authenticate")).startsWith("Basic realm=");
            }
            if (code == 200) {
                assertThat(c.getContentType()).startsWith("text/plain; version=0.0.4");
            }
            try (InputStream in = code >= 400 ? c.getErrorStream() : c.getInputStream()) {
                return in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        } finally {
            c.disconnect();
        }
    }

    private Bundle bundle(String symbolicName) {
        for (Bundle b : context.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError("no bundle " + symbolicName + " in " + FrameworkUtil.getBundle(getClass()));
    }

    /** @return where the metrics threads are, for a failure's message */
    private static String metricsThreads() {
        StringBuilder b = new StringBuilder();
        Thread.getAllStackTraces().forEach((t, stack) -> {
            if (t.getName().equals("cs.resources.metrics")) {
                b.append("\n").append(t).append(' ').append(t.getState());
                for (StackTraceElement e : stack) {
                    b.append("\n\tat ").append(e);
                }
            }
        });
        return b.length() == 0 ? "; no metrics thread" : b.toString();
    }

    private static long threads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().equals("cs.resources.metrics")).count();
    }

    private static double gauge(MeterRegistry registry, String name, String tagName) {
        Gauge g = registry.find(name).tags("name", tagName, "bundle", SELF).gauge();
        return g == null ? Double.NaN : g.value();
    }

    private static double counter(MeterRegistry registry, String name, String outcome) {
        FunctionCounter c = registry.find("cs.resources.runstates.ended").tags("name", name, "bundle", SELF, "outcome", outcome)
                .functionCounter();
        return c == null ? 0 : c.count();
    }

    private static void awaitGauge(MeterRegistry registry, String name, String tagName, double value)
            throws InterruptedException {
        await(name + "{name=" + tagName + "} = " + value, () -> gauge(registry, name, tagName) == value);
    }

    private static void awaitCount(MeterRegistry registry, String name, String outcome, double value)
            throws InterruptedException {
        await("ended{name=" + name + ", outcome=" + outcome + "} = " + value, () -> counter(registry, name, outcome) == value);
    }

    /** Polls a condition (the meters follow the runtime in the metrics thread) until a generous deadline. */
    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMillis(TIMEOUT).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + TIMEOUT + " ms: " + what + metricsThreads());
            }
            Thread.sleep(20);
        }
    }
}
