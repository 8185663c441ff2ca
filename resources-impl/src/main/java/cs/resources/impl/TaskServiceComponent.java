package cs.resources.impl;

import cs.resources.ClosedException;
import cs.resources.Registration;
import cs.resources.RunState;
import cs.resources.runtime.RunStateInfo.Source;
import cs.resources.runtime.Task;
import cs.resources.runtime.TaskHandle;
import cs.resources.runtime.TaskOptions;
import cs.resources.runtime.TaskService;
import java.lang.System.Logger.Level;
import java.nio.channels.ClosedByInterruptException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The {@link TaskService}. Its life is the component's: activation makes it ready (threads are
 * made on demand), deactivation winds it down without waiting (refuse new tasks, end the queued
 * ones as cancelled, cancel the running ones, interrupt them after the grace period, report
 * survivors after a second one), so that no Declarative Services callback blocks past SCR's lock
 * timeout.
 *
 * <p>Admission is a {@link TaskQueue}: never more tasks at once than configured, also right after
 * {@link #modified} lowers it. Each task's thread is a daemon from a cached pool; the timers (a
 * task's deadline, the wind-down) run on one daemon thread.
 */
@Designate(ocd = TaskServiceComponent.Config.class)
@Component(configurationPid = TaskServiceComponent.PID, service = TaskService.class)
public final class TaskServiceComponent implements TaskService {

    /** The configuration PID. */
    public static final String PID = "cs.resources.tasks";
    /** Every thread running a task has a name that starts with this. */
    public static final String THREAD_PREFIX = "cs.resources-task-";
    /** The name of the thread of the timers. */
    public static final String TIMER_THREAD = "cs.resources-task-timer";

    private static final System.Logger LOG = System.getLogger(TaskServiceComponent.class.getName());
    private static final AtomicInteger THREADS = new AtomicInteger();

    @ObjectClassDefinition(name = "cs.resources task service",
            description = "Runs named background tasks, each with a RunState listed by the cs.resources runtime.")
    public @interface Config {
        @AttributeDefinition(name = "Threads", min = "1",
                description = "How many tasks run at once; further tasks wait, PENDING, in submission order.")
        int threads() default 4;

        @AttributeDefinition(name = "Grace period (ms)", min = "0",
                description = "At shutdown, how long cancelled tasks get to end before they are interrupted,"
                        + " and again after the interrupt before the survivors are reported.")
        long gracePeriodMillis() default 5000L;
    }

    private final Registry registry;
    private final Bundle bundle;
    private final ThreadPoolExecutor threads;
    private final ScheduledThreadPoolExecutor timers;
    private final TaskQueue queue;
    private volatile long gracePeriodMillis;
    /** Tasks submitted and not yet ended (queued or running). */
    private final Set<TaskRun> tasks = ConcurrentHashMap.newKeySet();

    @Activate
    public TaskServiceComponent(@Reference(name = "registry") Registry registry, BundleContext context, Config config) {
        validate(config);
        this.registry = registry;
        this.bundle = context.getBundle();
        this.gracePeriodMillis = config.gracePeriodMillis();
        ThreadFactory factory = r -> {
            Thread t = new Thread(r, THREAD_PREFIX + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        // Admission is the queue's: the pool only gives each started task a thread.
        this.threads = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), factory);
        this.timers = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, TIMER_THREAD);
            t.setDaemon(true);
            return t;
        });
        timers.setRemoveOnCancelPolicy(true);
        this.queue = new TaskQueue(threads, config.threads());
    }

    /**
     * Checks a configuration.
     *
     * @throws IllegalArgumentException naming the PID, the property and the value
     */
    static void validate(Config config) {
        if (config.threads() < 1) {
            throw new IllegalArgumentException(PID + ": threads must be at least 1, not " + config.threads());
        }
        if (config.gracePeriodMillis() < 0) {
            throw new IllegalArgumentException(PID + ": gracePeriodMillis must be 0 or more, not " + config.gracePeriodMillis());
        }
    }

    @Modified
    void modified(Config config) {
        validate(config);
        gracePeriodMillis = config.gracePeriodMillis();
        queue.setLimit(config.threads());
    }

    /**
     * Winds down without waiting: the queued tasks end cancelled now; the running ones are
     * cancelled now, interrupted after the grace period, and reported if still running after a
     * second one.
     */
    @Deactivate
    void deactivate() {
        for (Runnable r : queue.stop()) {
            ((TaskRun) r).endWithoutRunning();
        }
        List<TaskRun> running = List.copyOf(tasks);
        running.forEach(t -> t.runState.cancel());
        long grace = gracePeriodMillis;
        if (running.isEmpty()) {
            timers.shutdown();
            threads.shutdown();
            return;
        }
        timers.schedule(() -> tasks.forEach(TaskRun::interrupt), grace, TimeUnit.MILLISECONDS);
        timers.schedule(() -> {
            if (!tasks.isEmpty()) {
                LOG.log(Level.ERROR, () -> this + ": tasks still running after cancel, " + grace + " ms, interrupt and "
                        + grace + " ms: " + tasks.stream().map(t -> Text.quote(t.runState.name())).collect(Collectors.joining(", ")));
            }
        }, 2 * grace, TimeUnit.MILLISECONDS);
        timers.shutdown(); // the two above still run; nothing new is accepted
        threads.shutdown(); // running tasks go on; their threads end with them
    }

    // ---------------------------------------------------------------------------------- submit

    @Override
    public TaskHandle submit(String name, Task task) {
        return submit(name, task, TaskOptions.defaults());
    }

    @Override
    public TaskHandle submit(String name, Task task, boolean interruptOnCancel) {
        return submit(name, task, TaskOptions.defaults().interruptOnCancel(interruptOnCancel));
    }

    @Override
    public TaskHandle submit(String name, Task task, TaskOptions options) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(options, "options");
        String refused = "submit(" + Text.quote(name) + ") to " + this + ": the service is shut down";
        if (queue.isStopped()) {
            throw new ClosedException(refused);
        }
        TaskRun run = new TaskRun(new RunState(name), task, options);
        tasks.add(run);
        run.registration = registry.track(run.runState, bundle, Source.TASK, false, null);
        try {
            queue.submit(run, refused);
        } catch (ClosedException e) {
            run.forget();
            throw e;
        }
        run.watchCancel();
        return run;
    }

    @Override
    public String toString() {
        return "TaskService[" + bundle.getSymbolicName() + "]";
    }

    /** @return the queue, for the tests of this bundle */
    TaskQueue queue() {
        return queue;
    }

    /** One submitted task: its RunState, its body, its outcome and the thread running it. */
    private final class TaskRun implements Runnable, TaskHandle {
        static final int QUEUED = 0;
        static final int RUNNING = 1;
        static final int ENDED = 2;

        final RunState runState;
        final Task task;
        final TaskOptions options;
        final CompletableFuture<Void> outcome = new CompletableFuture<>();
        volatile Registration registration;
        private volatile Registration cancelListener;
        private volatile Throwable failure;
        /** QUEUED, RUNNING or ENDED. Guarded by this. */
        private int phase = QUEUED;
        /** The thread running the body, while it runs. Guarded by this. */
        private Thread runner;

        TaskRun(RunState runState, Task task, TaskOptions options) {
            this.runState = runState;
            this.task = task;
            this.options = options;
        }

        /** From now on a cancel ends the task if it is still queued (and interrupts it if asked). */
        void watchCancel() {
            cancelListener = runState.onCancel(rs -> cancelled());
            if (runState.isCancelled()) {
                cancelled(); // cancelled before the listener was there
            }
        }

        private void cancelled() {
            if (queue.remove(this)) {
                endWithoutRunning();
            } else if (options.interruptOnCancel()) {
                interrupt();
            }
        }

        void interrupt() {
            synchronized (this) {
                if (runner != null) {
                    runner.interrupt();
                }
            }
        }

        @Override
        public void run() {
            synchronized (this) {
                if (phase != QUEUED) {
                    return;
                }
                phase = RUNNING;
                runner = Thread.currentThread();
            }
            ScheduledFuture<?>[] deadline = new ScheduledFuture<?>[1];
            boolean[] ran = new boolean[1];
            boolean[] cancelledWhenThrown = new boolean[1];
            Throwable thrown = null;
            try {
                // call(): the body does not run if the RunState is cancelled already (a cancel is
                // not cleared, as start() would), RunState.current() is this task's RunState in
                // the body, and RunState.failure() records what the body threw.
                runState.call(() -> {
                    ran[0] = true;
                    deadline[0] = options.deadline().map(this::deadline).orElse(null);
                    try {
                        task.run(runState);
                    } catch (Throwable t) {
                        cancelledWhenThrown[0] = runState.isCancelled();
                        throw t;
                    }
                    return null;
                });
            } catch (CancellationException e) {
                if (!ran[0]) {
                    cancelledWhenThrown[0] = true; // cancelled before its body could run
                }
                thrown = e;
            } catch (Throwable t) {
                thrown = t;
            } finally {
                if (deadline[0] != null) {
                    deadline[0].cancel(false);
                }
                boolean cancelled = runState.isCancelled();
                if (thrown != null && !(cancelledWhenThrown[0] && endsACancel(thrown))) {
                    failure = thrown;
                    LOG.log(Level.WARNING, "task " + Text.quote(runState.name()) + " of " + TaskServiceComponent.this
                            + " failed", thrown);
                }
                runState.stop();
                synchronized (this) {
                    runner = null;
                    phase = ENDED;
                }
                Thread.interrupted(); // an interrupt meant for this task must not reach the next
                finish(cancelled || failure != null);
            }
        }

        private ScheduledFuture<?> deadline(Duration runFor) {
            try {
                return timers.schedule(() -> {
                    if (runState.isRunning() && !runState.isCancelled()) {
                        LOG.log(Level.INFO, () -> "task " + Text.quote(runState.name()) + " ran past its deadline of "
                                + runFor + ": cancelled");
                        runState.cancel();
                    }
                }, runFor.toNanos(), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
                return null; // the wind-down cancels it anyway
            }
        }

        /** Ends a task that never ran (cancelled while queued, or queued at shutdown): CANCELLED now. */
        void endWithoutRunning() {
            synchronized (this) {
                if (phase != QUEUED) {
                    return;
                }
                phase = ENDED;
            }
            if (!runState.isCancelled()) {
                runState.cancel(); // queued at shutdown (a queued task cancelled by someone is already)
            }
            runState.setRunning(true);
            runState.stop();
            finish(true);
        }

        /** Completes the outcome and stops tracking. */
        private void finish(boolean cancelledOrFailed) {
            forget();
            Throwable f = failure;
            if (f != null) {
                outcome.completeExceptionally(f);
            } else if (cancelledOrFailed) {
                outcome.completeExceptionally(new CancellationException("task " + runState.name() + " was cancelled"));
            } else {
                outcome.complete(null);
            }
        }

        void forget() {
            Registration c = cancelListener;
            if (c != null) {
                c.close();
            }
            Registration r = registration;
            if (r != null) {
                r.close();
            }
            tasks.remove(this);
        }

        // ------------------------------------------------------------------------ TaskHandle

        @Override
        public RunState runState() {
            return runState;
        }

        @Override
        public CompletionStage<Void> completion() {
            return outcome.minimalCompletionStage();
        }

        @Override
        public Optional<Throwable> failure() {
            return Optional.ofNullable(failure);
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            if (outcome.isDone()) {
                return false;
            }
            runState.cancel();
            if (mayInterruptIfRunning) {
                interrupt();
            }
            return true;
        }

        @Override
        public boolean isCancelled() {
            return outcome.isCompletedExceptionally() && failure == null;
        }

        @Override
        public boolean isDone() {
            return outcome.isDone();
        }

        @Override
        public Void get() throws InterruptedException, ExecutionException {
            return outcome.get();
        }

        @Override
        public Void get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
            return outcome.get(timeout, unit);
        }

        @Override
        public String toString() {
            return "Task[" + runState + "]";
        }
    }

    /** Whether a task ending with {@code t} after a cancel simply ended the way a cancel asks. */
    private static boolean endsACancel(Throwable t) {
        return t instanceof InterruptedException || t instanceof CancellationException
                || t instanceof ClosedByInterruptException;
    }
}
