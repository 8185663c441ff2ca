package cs.resources.metrics;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import cs.resources.Pool;
import cs.resources.RunState;
import cs.resources.runtime.PoolInfo;
import cs.resources.runtime.RunStateInfo;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * Not a test: prints the size and time of a Prometheus scrape of the metrics bundle's meters for
 * 1,000 live RunStates (distinct names) and 100 pools (each with wait and hold times), from
 * listings made here (the runtime's own listing cost is not in it); then the same with each of the 1,000 names also ended once (in the
 * runtime's history, completed). {@code java -cp ... cs.resources.metrics.ScrapeFigures}.
 */
public final class ScrapeFigures {

    private ScrapeFigures() {
    }

    public static void main(String[] args) {
        List<PoolInfo> pools = new ArrayList<>();
        Pool.Times times = new Pool.Times(10, Duration.ofMillis(2), Duration.ofMillis(1), Duration.ofMillis(3),
                Duration.ofMillis(8), Duration.ofMillis(9), Duration.ofMillis(9));
        for (int i = 0; i < 100; i++) {
            // Every pool waited and records hold times: each has both timers (the most series a pool has).
            pools.add(new PoolInfo(i, "pool-" + i, 1, "com.example.app", 8, 16, false,
                    new Pool.Stats(100, 1000, 3, 4, 2, 10, 1, 5, 0, Duration.ofMillis(9), Duration.ofMillis(2), 1, times,
                            times)));
        }
        List<RunStateInfo> live = new ArrayList<>();
        List<RunStateInfo> ended = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            live.add(new RunStateInfo(1000 + i, "task-" + i, RunState.State.RUNNING, 1, "com.example.app",
                    Instant.EPOCH, Duration.ofSeconds(i), RunStateInfo.Source.TASK));
            ended.add(new RunStateInfo(5000 + i, "task-" + i, RunState.State.STOPPED, 1, "com.example.app",
                    Instant.EPOCH, Duration.ofSeconds(i), RunStateInfo.Source.TASK));
        }
        List<RunStateInfo> all = new ArrayList<>(live);
        all.addAll(ended);
        measure("1,000 live RunStates and 100 pools", pools, live, live);
        measure("the same, each name also ended once (completed)", pools, live, all);
    }

    private static void measure(String what, List<PoolInfo> pools, List<RunStateInfo> live, List<RunStateInfo> all) {
        Snapshots snapshots = new Snapshots(() -> Listing.of(pools, List.of(), live, all, System.nanoTime()),
                TimeUnit.HOURS.toNanos(1), () -> { });
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ResourceMeters meters = new ResourceMeters(registry, snapshots::latest);
        meters.follow(snapshots.read());
        String text = registry.scrape();
        for (int i = 0; i < 200; i++) { // warm-up
            snapshots.read();
            text = registry.scrape();
        }
        int n = 200;
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            snapshots.read(); // what one scrape costs in the bundle: one reading (here of lists in memory)
            text = registry.scrape();
        }
        long perScrape = (System.nanoTime() - start) / n;
        long series = text.lines().filter(l -> !l.startsWith("#") && !l.isBlank()).count();
        System.out.printf("scrape of %s: %d series, %,d bytes, %.2f ms per scrape (mean of %d, after 200 warm-up; a fresh reading of the listing each scrape)%n",
                what, series, text.getBytes(StandardCharsets.UTF_8).length, perScrape / 1e6, n);
        meters.close();
        registry.close();
    }
}
