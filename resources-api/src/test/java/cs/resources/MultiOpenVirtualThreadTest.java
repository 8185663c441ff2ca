package cs.resources;

import static cs.resources.MultiOpenTestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD;

import cs.resources.MultiOpenTestSupport.Probe;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * MultiOpen under 10,000 virtual threads (Java 21 and later; the build compiles for 17, so the
 * executor is looked up reflectively). Tagged {@code java25}: the {@code java25} Maven profile runs
 * it on the Temurin Java 25 beside the build's JDK; on 17 it is skipped.
 */
@Tag("java25")
class MultiOpenVirtualThreadTest {

    static ExecutorService virtualThreads() {
        assumeTrue(Runtime.version().feature() >= 21, "virtual threads need Java 21 or later");
        try {
            return (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    @Timeout(value = 60, threadMode = SEPARATE_THREAD)
    void tenThousandVirtualThreadsArrivingDuringASlowStartupShareItsOneCycle() throws Exception {
        int n = 10_000;
        CountDownLatch inStartup = new CountDownLatch(1);
        CountDownLatch arrived = new CountDownLatch(n);
        Probe p = new Probe().onStartup(q -> {
            inStartup.countDown();
            Thread.sleep(50);
            arrived.await(); // every opener arrives while this startup runs
        });
        AtomicInteger failures = new AtomicInteger();
        long began = System.nanoTime();
        ExecutorService vts = virtualThreads(); // AutoCloseable only from Java 19: shut down by hand
        try {
            Future<?> first = vts.submit(() -> p.acquire().close());
            await(inStartup);
            List<Future<?>> all = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                all.add(vts.submit(() -> {
                    arrived.countDown();
                    try {
                        p.acquire().close();
                    } catch (RuntimeException e) {
                        failures.incrementAndGet();
                    }
                }));
            }
            first.get(30, TimeUnit.SECONDS);
            for (Future<?> f : all) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            vts.shutdownNow();
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began);
        assertThat(failures).hasValue(0);
        assertThat(p.startups).as("startups").hasValue(1);
        assertThat(p.shutdowns).as("shutdowns").hasValue(1);
        assertThat(p.isClosed()).isTrue();
        assertThat(millis).as("whole run, ms").isLessThan(5_000);
    }
}
