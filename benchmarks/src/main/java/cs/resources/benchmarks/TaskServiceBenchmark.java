package cs.resources.benchmarks;

import cs.resources.runtime.Task;
import cs.resources.runtime.TaskService;
import java.time.Duration;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.osgi.framework.Bundle;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;

/**
 * The task service in a running Felix ({@link RunningFramework}: SCR, the cs.resources runtime, a
 * consumer bundle using its own {@code TaskService}), against {@code java.util.concurrent}'s
 * executors, whose vocabulary it uses. One thread submits a task and waits (spinning) until it is
 * done; the task ends on its own afterwards, while the next one is submitted.
 *
 * <ul>
 *   <li>{@code scheduledToRun}: {@code schedule(name, task, 1 ns)} (through the service's timer
 *       thread, as any scheduled task) until the body runs; {@code scheduledExecutorToRun}: the
 *       same with {@link ScheduledThreadPoolExecutor}.</li>
 *   <li>{@code submittedToRun}: {@code submit(name, task)} until the body runs;
 *       {@code executorToRun}: {@code ThreadPoolExecutor.execute} on a cached pool (the kind of
 *       pool the service gives its tasks).</li>
 *   <li>{@code eventsPerTask}: with Felix EventAdmin in the framework, a burst of
 *       {@value #BURST} tasks submitted at once, until a handler of the consumer's has every
 *       task's last event ({@code COMPLETED}); the score is per task, three events a task
 *       ({@code SUBMITTED}, {@code STARTED}, {@code COMPLETED}), so the events per second are
 *       3 &times; 10<sup>9</sup> / the score in ns. {@code burstPerTask} is the same burst without
 *       EventAdmin, for the difference.</li>
 * </ul>
 * The first two service benchmarks run in a framework without EventAdmin (no events are made).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 3, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 2)
@Threads(1)
public class TaskServiceBenchmark {

    private static final Duration ONE_NANO = Duration.ofNanos(1);
    private static final String COMPLETED = "cs/resources/task/COMPLETED";

    /** Felix with the runtime, and a consumer's TaskService; EventAdmin only in {@link WithEvents}. */
    @State(Scope.Benchmark)
    public static class Runtime {
        RunningFramework felix;
        TaskService tasks;
        final AtomicLong ran = new AtomicLong();
        Task task;

        RunningFramework.Builder framework() {
            return RunningFramework.builder().install("resources-impl");
        }

        @Setup(Level.Trial)
        public void start() throws Exception {
            felix = framework().start();
            Bundle consumer = felix.installConsumer("cs.resources.benchmarks.tasks", "cs.resources", "cs.resources.runtime",
                    "org.osgi.service.event;resolution:=optional");
            tasks = felix.service(consumer, TaskService.class, null);
            task = rs -> ran.incrementAndGet();
            started(consumer);
        }

        void started(Bundle consumer) {
            // nothing more without EventAdmin
        }

        @TearDown(Level.Trial)
        public void stop() throws Exception {
            felix.close();
        }
    }

    /** {@link Runtime} with Felix EventAdmin and a handler, in the consumer, of the tasks' last events. */
    @State(Scope.Benchmark)
    public static class WithEvents extends Runtime {
        final AtomicLong completed = new AtomicLong();

        @Override
        RunningFramework.Builder framework() {
            return RunningFramework.builder().share("org.apache.felix.eventadmin").install("org.apache.felix.eventadmin")
                    .install("resources-impl");
        }

        @Override
        void started(Bundle consumer) {
            Dictionary<String, Object> props = new Hashtable<>();
            props.put(EventConstants.EVENT_TOPIC, COMPLETED);
            EventHandler handler = e -> completed.incrementAndGet();
            consumer.getBundleContext().registerService(EventHandler.class, handler, props);
        }
    }

    @State(Scope.Benchmark)
    public static class Executors {
        ScheduledThreadPoolExecutor scheduled;
        ThreadPoolExecutor cached;
        final AtomicLong ran = new AtomicLong();
        Runnable task;

        @Setup(Level.Trial)
        public void setUp() {
            scheduled = new ScheduledThreadPoolExecutor(1);
            cached = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>());
            task = ran::incrementAndGet;
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            scheduled.shutdownNow();
            cached.shutdownNow();
        }
    }

    /** Waits until {@code counter} passes {@code before}. */
    private static long await(AtomicLong counter, long before) {
        long n;
        while ((n = counter.get()) == before) {
            Thread.onSpinWait();
        }
        return n;
    }

    /** A scheduled task (1 ns: through the timer), from the call to its body. */
    @Benchmark
    public long scheduledToRun(Runtime r) {
        long before = r.ran.get();
        r.tasks.schedule("scheduled", r.task, ONE_NANO);
        return await(r.ran, before);
    }

    /** {@code ScheduledThreadPoolExecutor.schedule} with 1 ns, from the call to its body. */
    @Benchmark
    public long scheduledExecutorToRun(Executors e) {
        long before = e.ran.get();
        e.scheduled.schedule(e.task, 1, TimeUnit.NANOSECONDS);
        return await(e.ran, before);
    }

    /** A submitted task (queued for a thread at once), from the call to its body. */
    @Benchmark
    public long submittedToRun(Runtime r) {
        long before = r.ran.get();
        r.tasks.submit("submitted", r.task);
        return await(r.ran, before);
    }

    /** {@code ThreadPoolExecutor.execute} on a cached pool, from the call to the body. */
    @Benchmark
    public long executorToRun(Executors e) {
        long before = e.ran.get();
        e.cached.execute(e.task);
        return await(e.ran, before);
    }

    /** How many tasks a burst submits. */
    static final int BURST = 100;

    /** With EventAdmin: a burst of tasks, until a handler has every task's COMPLETED event (3 events a task). */
    @Benchmark
    @OperationsPerInvocation(BURST)
    public long eventsPerTask(WithEvents w) {
        long until = w.completed.get() + BURST;
        for (int i = 0; i < BURST; i++) {
            w.tasks.submit("evented", w.task);
        }
        long n;
        while ((n = w.completed.get()) < until) {
            Thread.onSpinWait();
        }
        return n;
    }

    /** The same burst without EventAdmin, until every task's body ran. */
    @Benchmark
    @OperationsPerInvocation(BURST)
    public long burstPerTask(Runtime r) {
        long until = r.ran.get() + BURST;
        for (int i = 0; i < BURST; i++) {
            r.tasks.submit("burst", r.task);
        }
        long n;
        while ((n = r.ran.get()) < until) {
            Thread.onSpinWait();
        }
        return n;
    }
}
