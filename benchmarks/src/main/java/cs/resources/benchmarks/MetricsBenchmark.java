package cs.resources.benchmarks;

import cs.resources.Pool;
import cs.resources.runtime.ResourcesRuntime;
import java.lang.reflect.Method;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;

/**
 * Lease + return of a pool that a bundle registered as a service in a running Felix
 * ({@link RunningFramework}), without and with the metrics bundle: {@code leaseReturn} in a Felix
 * with SCR and the runtime, {@code leaseReturnMetered} in the same plus micrometer-core and
 * {@code cs.resources.metrics}, whose own Prometheus registry a thread of the state scrapes ten
 * times a second (every scrape reads the pool's counts through the runtime, as Prometheus' would).
 * The metrics bundle adds nothing to a lease (its meters read what the pool already counts), so
 * the two should be equal within noise. Both states check that the runtime lists the pool; the
 * metered one also that the scrapes show it, and at the end that they counted its leases.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 3, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 2)
public abstract class MetricsBenchmark {

    static final int SIZE = 4;
    static final String POOL_NAME = "benchmark-pool";
    static final String OWNER = "cs.resources.benchmarks.owner";
    /** How often the metered state's thread scrapes. */
    static final long SCRAPE_EVERY_MILLIS = 100;

    /** Felix with the runtime and a pool a bundle registered (the metered subclass adds the metrics bundle). */
    @State(Scope.Benchmark)
    public static class InFelix {
        RunningFramework felix;
        Pool<Object> pool;

        @Setup(Level.Trial)
        public void start() throws Exception {
            felix = framework().start();
            Bundle owner = felix.installConsumer(OWNER, "cs.resources", "cs.resources.runtime");
            pool = Pool.builder(Object::new).name(POOL_NAME).maxSize(SIZE).build();
            owner.getBundleContext().registerService(Pool.class, pool, null);
            ResourcesRuntime runtime = felix.service(owner, ResourcesRuntime.class, null);
            await("the runtime lists " + POOL_NAME,
                    () -> runtime.pools().stream().anyMatch(p -> p.name().equals(POOL_NAME) && p.bundle().equals(OWNER)));
            started();
        }

        /** @return what to start */
        RunningFramework.Builder framework() {
            return RunningFramework.builder().install("resources-impl");
        }

        /** After the pool is listed. */
        void started() throws Exception {
        }

        /** Before the framework stops. */
        void stopping() throws Exception {
        }

        @TearDown(Level.Trial)
        public void stop() throws Exception {
            try {
                stopping();
            } finally {
                try {
                    felix.close();
                } finally {
                    pool.close();
                }
            }
        }
    }

    /** The same with micrometer-core and the metrics bundle, its own Prometheus registry scraped ten times a second. */
    @State(Scope.Benchmark)
    public static class Metered extends InFelix {
        private Thread scraper;
        private volatile boolean scraping;
        private final AtomicReference<String> lastScrape = new AtomicReference<>("");
        private final AtomicReference<Throwable> scrapeFailure = new AtomicReference<>();

        @Override
        RunningFramework.Builder framework() {
            return super.framework().install("jspecify").install("micrometer-commons").install("micrometer-core")
                    .install("resources-metrics");
        }

        @Override
        void started() throws Exception {
            Object registry = ownRegistry();
            Method scrape = registry.getClass().getMethod("scrape");
            String line = "cs_resources_pool_reuses_total{bundle=\"" + OWNER + "\",name=\"" + POOL_NAME + "\"}";
            await("a scrape shows " + POOL_NAME, () -> {
                try {
                    return ((String) scrape.invoke(registry)).contains(line);
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            });
            scraping = true;
            scraper = new Thread(() -> {
                try {
                    while (scraping) {
                        lastScrape.set((String) scrape.invoke(registry));
                        Thread.sleep(SCRAPE_EVERY_MILLIS); // pacing, as a scrape interval
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (Throwable e) {
                    scrapeFailure.set(e);
                }
            }, "benchmark-scraper");
            scraper.setDaemon(true);
            scraper.start();
        }

        /** @return the metrics bundle's own registry (a PrometheusMeterRegistry, by reflection: not on this class path) */
        private Object ownRegistry() throws Exception {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RunningFramework.TIMEOUT_MILLIS);
            while (System.nanoTime() < deadline) {
                ServiceReference<?>[] refs = felix.systemContext().getServiceReferences(
                        "io.micrometer.core.instrument.MeterRegistry", "(cs.resources.metrics.registry=own)");
                if (refs != null) {
                    return felix.systemContext().getService(refs[0]);
                }
                Thread.sleep(20);
            }
            throw new IllegalStateException("no MeterRegistry of cs.resources.metrics within " + RunningFramework.TIMEOUT_MILLIS + " ms");
        }

        @Override
        void stopping() throws Exception {
            scraping = false;
            scraper.interrupt();
            scraper.join(RunningFramework.TIMEOUT_MILLIS);
            if (scrapeFailure.get() != null) {
                throw new IllegalStateException("a scrape failed", scrapeFailure.get());
            }
            // The scrapes read the pool's counts: its reuses, in the billions by now, not zero.
            String text = lastScrape.get();
            String prefix = "cs_resources_pool_reuses_total{bundle=\"" + OWNER + "\",name=\"" + POOL_NAME + "\"} ";
            double reuses = text.lines().filter(l -> l.startsWith(prefix))
                    .mapToDouble(l -> Double.parseDouble(l.substring(prefix.length()))).findFirst().orElse(0);
            if (!(reuses > 0)) {
                throw new IllegalStateException("the scrapes never counted a lease of " + POOL_NAME);
            }
        }
    }

    private static void await(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RunningFramework.TIMEOUT_MILLIS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("not within " + RunningFramework.TIMEOUT_MILLIS + " ms: " + what);
            }
            Thread.sleep(20);
        }
    }

    @Benchmark
    public Object leaseReturn(InFelix s) {
        try (Pool.Lease<Object> lease = s.pool.instance()) {
            return lease.get();
        }
    }

    @Benchmark
    public Object leaseReturnMetered(Metered s) {
        try (Pool.Lease<Object> lease = s.pool.instance()) {
            return lease.get();
        }
    }

    @Threads(1)
    public static class T1 extends MetricsBenchmark {
    }

    @Threads(2)
    public static class T2 extends MetricsBenchmark {
    }
}
