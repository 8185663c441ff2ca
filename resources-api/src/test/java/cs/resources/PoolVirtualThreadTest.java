package cs.resources;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Pool} under 10,000 virtual threads, on Java 21 or later: tagged {@code java25}, so the
 * default test run (Java 17) skips it and the {@code java25} profile of this module runs it on
 * the Temurin Java 25 beside the build's JDK ({@code mvn -Pjava25}; {@code .ci/run} does). The
 * code compiles for Java 17: virtual threads are made through a method handle on
 * {@code Executors.newVirtualThreadPerTaskExecutor()}.
 *
 * <p>Pinning (a virtual thread that blocks while it cannot unmount, holding its carrier) is
 * detected with the JFR event {@code jdk.VirtualThreadPinned}, recorded with no threshold: on
 * Java 24 and later the system property {@code jdk.tracePinnedThreads} is gone (JEP 491, which
 * also stopped {@code synchronized} from pinning), and that event is what the JDK still emits when
 * a virtual thread parks pinned (in a class initializer, under a native frame). A second test
 * pins on purpose and checks that the recording sees it, so that the first cannot pass because
 * nothing was recorded.
 */
@Tag("java25")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PoolVirtualThreadTest {

    static final int THREADS = 10_000;
    static final int MAX_TOTAL = 8;
    static final Duration HOLD = Duration.ofMillis(1);
    static final String PINNED = "jdk.VirtualThreadPinned";

    @BeforeAll
    static void onJava21OrLater() {
        assertThat(Runtime.version().feature())
                .as("this test needs virtual threads: run it with the java25 profile (Java %s here)", Runtime.version())
                .isGreaterThanOrEqualTo(21);
    }

    static ExecutorService virtualThreads() throws Throwable {
        MethodHandle factory = MethodHandles.publicLookup().findStatic(Executors.class,
                "newVirtualThreadPerTaskExecutor", MethodType.methodType(ExecutorService.class));
        return (ExecutorService) factory.invokeExact();
    }

    /** A pooled object that records who holds it. */
    static final class Thing {
        final AtomicReference<Thread> holder = new AtomicReference<>();
    }

    /** Runs {@code body} with {@code jdk.VirtualThreadPinned} recorded; returns the events. */
    static List<RecordedEvent> pinnedDuring(ThrowingRunnable body) throws Throwable {
        Path file = Files.createTempFile("pinned", ".jfr");
        try (Recording recording = new Recording()) {
            recording.enable(PINNED).withThreshold(Duration.ZERO).withStackTrace();
            recording.start();
            body.run();
            recording.stop();
            recording.dump(file);
            // Only the pinning events: a recording also holds every event enabled by default,
            // such as the pool's own cs.resources.PoolWait for the threads that waited.
            return RecordingFile.readAllEvents(file).stream()
                    .filter(e -> e.getEventType().getName().equals(PINNED))
                    .collect(Collectors.toList());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @FunctionalInterface
    interface ThrowingRunnable {
        void run() throws Throwable;
    }

    /**
     * Loads and initialises the pool's classes, on every path (new object, reuse, wait, close),
     * before anything is recorded: a virtual thread that waits for a class another thread is
     * initialising is pinned meanwhile (the JVM's doing, the same for any code), which would show
     * up as the pool's pinning in the first milliseconds.
     */
    static void warmUp() throws Throwable {
        Pool<Thing> pool = Pool.builder(Thing::new).maxTotal(1).maxWait(Duration.ofMinutes(1)).build();
        ExecutorService threads = virtualThreads();
        for (int i = 0; i < 50; i++) {
            threads.execute(() -> {
                try (Pool.Lease<Thing> lease = pool.instance()) {
                    Thread.sleep(lease.get() != null ? 1 : 0);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        threads.shutdown();
        assertThat(threads.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        pool.stats();
        pool.close();
    }

    @Test
    void tenThousandVirtualThreadsShareEightObjectsWithoutPinning() throws Throwable {
        // Warmed up under a recording too: a wait's JFR event (cs.resources.PoolWait) is written
        // only while one records, and the first writes initialise JFR's own EventWriter class, a
        // wait for which pins (CI saw it: "Waited for initialization of ...EventWriter").
        pinnedDuring(PoolVirtualThreadTest::warmUp);
        Pool<Thing> pool = Pool.builder(Thing::new).name("virtual").maxTotal(MAX_TOTAL)
                .maxWait(Duration.ofMinutes(1)).build();
        Queue<String> violations = new ConcurrentLinkedQueue<>();
        AtomicInteger finished = new AtomicInteger();
        LongAdder heldNanos = new LongAdder();
        long[] elapsed = new long[1];

        List<RecordedEvent> pinned = pinnedDuring(() -> {
            ExecutorService threads = virtualThreads();
            long start = System.nanoTime();
            for (int i = 0; i < THREADS; i++) {
                threads.execute(() -> {
                    try (Pool.Lease<Thing> lease = pool.instance()) {
                        Thing thing = lease.get();
                        Thread me = Thread.currentThread();
                        if (!thing.holder.compareAndSet(null, me)) {
                            violations.add("leased to " + me + " while held by " + thing.holder.get());
                        }
                        long t0 = System.nanoTime();
                        Thread.sleep(HOLD.toMillis());
                        heldNanos.add(System.nanoTime() - t0);
                        if (!thing.holder.compareAndSet(me, null)) {
                            violations.add("taken from " + me + " by " + thing.holder.get());
                        }
                        finished.incrementAndGet();
                    } catch (Throwable e) {
                        violations.add(e.toString());
                    }
                });
            }
            threads.shutdown();
            assertThat(threads.awaitTermination(100, TimeUnit.SECONDS)).as("all virtual threads ended").isTrue();
            elapsed[0] = System.nanoTime() - start;
        });

        Duration took = Duration.ofNanos(elapsed[0]);
        Duration ideal = HOLD.multipliedBy(THREADS).dividedBy(MAX_TOTAL);
        // What the holds really took (a 1 ms sleep sleeps a little longer), shared by 8 objects.
        Duration idealOfTheHolds = Duration.ofNanos(heldNanos.sum() / MAX_TOTAL);
        Pool.Stats stats = pool.stats();
        System.out.printf("%d virtual threads, maxTotal %d: %s (ideal %s; of the holds as slept, %s); %s%n",
                THREADS, MAX_TOTAL, took, ideal, idealOfTheHolds, stats);

        assertThat(violations).as("failures in the virtual threads").isEmpty();
        assertThat(finished).hasValue(THREADS);
        assertThat(pinned).as("pinned virtual threads: %s", pinned.stream()
                .map(e -> e.getThread() + " at " + e.getStackTrace().getFrames().stream().limit(12)
                        .map(f -> f.getMethod().getType().getName() + "." + f.getMethod().getName())
                        .collect(Collectors.joining(" < "))).collect(Collectors.joining("; ")))
                .isEmpty();
        assertThat(stats.created()).isLessThanOrEqualTo(MAX_TOTAL);
        assertThat(stats.inUse()).isZero();
        assertThat(stats.waiting()).isZero();
        assertThat(stats.timeouts()).isZero();
        assertThat(stats.created() + stats.reused()).isEqualTo(THREADS);
        assertThat(took).as("within 2x of the ideal %s (or of the holds as slept, %s)", ideal, idealOfTheHolds)
                .isLessThanOrEqualTo((ideal.compareTo(idealOfTheHolds) > 0 ? ideal : idealOfTheHolds).multipliedBy(2));
        pool.close();
    }

    /** Blocks in its class initializer: a virtual thread that runs it is pinned while it sleeps. */
    static final class SlowToInitialise {
        static {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        static void touch() {
        }
    }

    @Test
    void theRecordingSeesAVirtualThreadThatIsPinned() throws Throwable {
        List<RecordedEvent> pinned = pinnedDuring(() -> {
            ExecutorService threads = virtualThreads();
            threads.execute(SlowToInitialise::touch);
            threads.shutdown();
            assertThat(threads.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        });
        assertThat(pinned).as("the detector works: a sleep in a class initializer pins").isNotEmpty();
    }
}
