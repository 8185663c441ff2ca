package cs.resources.benchmarks;

import cs.resources.RunState;
import cs.resources.impl.TaskServiceComponent;
import cs.resources.runtime.Task;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * How long a task takes from {@code submit}/{@code schedule} to its body running, against
 * {@code java.util.concurrent}'s executors, whose vocabulary the task service uses. One thread
 * submits and waits (spinning) until the body says it runs; the task then ends on its own while
 * the next one is submitted.
 *
 * <p>The task service is made without a framework ({@link TaskServiceComponent}'s plain
 * constructor): the same queue, admission, timer, RunState and outcome as in OSGi; its listing is
 * a {@code ConcurrentHashMap} put and remove, as the runtime's registry does, and no events are
 * posted. {@code schedule} with a delay of 1 ns goes through the timer thread, as any scheduled
 * task does; the peer, {@link ScheduledThreadPoolExecutor}, runs its task on its own thread.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 3, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 2)
@Threads(1)
public class TaskServiceBenchmark {

    @State(Scope.Benchmark)
    public static class Service {
        TaskServiceComponent tasks;
        final Map<RunState, Object> listed = new ConcurrentHashMap<>();
        final AtomicLong ran = new AtomicLong();
        Task task;

        @Setup
        public void setUp() {
            tasks = new TaskServiceComponent((rs, bundleId, bundle, nextRun) -> {
                listed.put(rs, nextRun);
                return () -> listed.remove(rs);
            }, 1, "benchmark", TaskServiceComponent.config(4, 1000));
            task = rs -> ran.incrementAndGet();
        }

        @TearDown
        public void tearDown() {
            tasks.deactivate();
        }
    }

    @State(Scope.Benchmark)
    public static class Executors {
        ScheduledThreadPoolExecutor scheduled;
        ThreadPoolExecutor cached;
        final AtomicLong ran = new AtomicLong();
        Runnable task;

        @Setup
        public void setUp() {
            scheduled = new ScheduledThreadPoolExecutor(1);
            cached = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>());
            task = ran::incrementAndGet;
        }

        @TearDown
        public void tearDown() {
            scheduled.shutdownNow();
            cached.shutdownNow();
        }
    }

    private static final Duration ONE_NANO = Duration.ofNanos(1);

    /** Waits until {@code counter} passes {@code before}. */
    private static long awaitRun(AtomicLong counter, long before) {
        long n;
        while ((n = counter.get()) == before) {
            Thread.onSpinWait();
        }
        return n;
    }

    /** A scheduled task (1 ns: through the timer), from the call to its body. */
    @Benchmark
    public long scheduledToRun(Service s) {
        long before = s.ran.get();
        s.tasks.schedule("scheduled", s.task, ONE_NANO);
        return awaitRun(s.ran, before);
    }

    /** {@code ScheduledThreadPoolExecutor.schedule} with 1 ns, from the call to its body. */
    @Benchmark
    public long scheduledExecutorToRun(Executors e) {
        long before = e.ran.get();
        e.scheduled.schedule(e.task, 1, TimeUnit.NANOSECONDS);
        return awaitRun(e.ran, before);
    }

    /** A submitted task (queued for a thread at once), from the call to its body. */
    @Benchmark
    public long submittedToRun(Service s) {
        long before = s.ran.get();
        s.tasks.submit("submitted", s.task);
        return awaitRun(s.ran, before);
    }

    /** {@code ThreadPoolExecutor.execute} on a cached pool, from the call to the body. */
    @Benchmark
    public long executorToRun(Executors e) {
        long before = e.ran.get();
        e.cached.execute(e.task);
        return awaitRun(e.ran, before);
    }
}
