package cs.resources.impl;

import cs.resources.ClosedException;
import cs.resources.Registration;
import cs.resources.RunState;
import cs.resources.runtime.Task;
import cs.resources.runtime.TaskHandle;
import cs.resources.runtime.TaskOptions;
import cs.resources.runtime.TaskService;
import java.lang.System.Logger.Level;
import java.nio.channels.ClosedByInterruptException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The task service's work, shared by every bundle's {@link BundleTaskService} (what bundles get
 * as their {@link TaskService}): one queue, one limit of threads, one timer. Itself a
 * {@code TaskService} too, whose tasks belong to the bundle it is made for (this one, in a
 * framework), for use without a framework. Its life is the component's: activation makes it ready (threads are
 * made on demand), deactivation winds it down without waiting (refuse new tasks, end the waiting
 * ones as cancelled, cancel the running ones, interrupt them after the grace period, report
 * survivors after a second one), so that no Declarative Services callback blocks past SCR's lock
 * timeout.
 *
 * <p>Admission is a {@link TaskQueue}: never more tasks at once than configured, also right after
 * {@link #modified} lowers it. Each task's thread is a daemon from a cached pool; the timers (a
 * task's time to run, its deadline, the wind-down) run on one daemon thread. The changes of each
 * task's state go to {@link TaskEvents} (EventAdmin) when there is one.
 *
 * <p>Each task is a {@link TaskRun}: its phase ({@code SCHEDULED} waiting for its time,
 * {@code QUEUED} waiting for a thread, {@code RUNNING}, {@code FINISHING} waiting for its
 * children, {@code ENDED}) changes under its own monitor, so that a cancel, the timer, a thread and
 * the wind-down agree on who ends it, and ends it once.
 */
@Designate(ocd = TaskServiceComponent.Config.class)
@Component(configurationPid = TaskServiceComponent.PID, service = TaskServiceComponent.class, immediate = true)
public final class TaskServiceComponent implements TaskService {

    /** The configuration PID. */
    public static final String PID = "cs.resources.tasks";
    /** Every thread running a task has a name that starts with this. */
    public static final String THREAD_PREFIX = "cs.resources-task-";
    /** The name of the thread of the timers. */
    public static final String TIMER_THREAD = "cs.resources-task-timer";
    /** The cancel reason of the tasks still there when the service shuts down. */
    static final String SHUTDOWN_REASON = "the task service is shutting down";

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

    /** What a task does, whichever form it was given in. */
    @FunctionalInterface
    interface Work<T> {
        T run(RunState runState) throws Exception;
    }

    /**
     * Where the task service lists its tasks: the runtime's {@link Registry}, in a framework.
     */
    @FunctionalInterface
    interface TaskListing {
        /**
         * Lists a task until the registration is closed.
         *
         * @param runState the task's RunState
         * @param bundleId the id of the bundle it belongs to
         * @param bundle that bundle's symbolic name
         * @param nextRun when it runs next while it waits for its time; null otherwise
         * @return ends the listing
         */
        Registration track(RunState runState, long bundleId, String bundle, Supplier<Instant> nextRun);
    }

    private final TaskListing listing;
    private final long bundleId;
    private final String bundleName;
    private final ThreadPoolExecutor threads;
    private final ScheduledThreadPoolExecutor timers;
    private final TaskQueue queue;
    private volatile long gracePeriodMillis;
    /** Tasks submitted and not yet ended, by RunState (identity: RunState keeps Object's equals). */
    private final Map<RunState, TaskRun<?>> tasks = new ConcurrentHashMap<>();

    /** Where the changes of the tasks' states go; null when there is no EventAdmin. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile TaskEvents events;

    @Activate
    public TaskServiceComponent(@Reference(name = "registry") Registry registry, BundleContext context, Config config) {
        this(registry::trackTask, context.getBundle().getBundleId(), ServiceReader.name(context.getBundle()), config);
    }

    /**
     * A task service outside a framework (the tests of this bundle): its tasks belong to the
     * bundle named here, are listed through {@code listing}, and post no events unless
     * {@link #events} is set.
     *
     * @param listing where the tasks are listed
     * @param bundleId the id of the bundle the tasks belong to
     * @param bundleName that bundle's symbolic name
     * @param config the configuration ({@link #config(int, long)})
     * @throws IllegalArgumentException if the configuration is not valid
     */
    TaskServiceComponent(TaskListing listing, long bundleId, String bundleName, Config config) {
        validate(config);
        this.listing = Objects.requireNonNull(listing, "listing");
        this.bundleId = bundleId;
        this.bundleName = Objects.requireNonNull(bundleName, "bundleName");
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
     * @param threads how many tasks run at once
     * @param gracePeriodMillis the grace period at shutdown
     * @return a configuration with these values, for {@link #TaskServiceComponent(TaskListing, long, String, Config)}
     */
    static Config config(int threads, long gracePeriodMillis) {
        return new Config() {
            @Override
            public int threads() {
                return threads;
            }

            @Override
            public long gracePeriodMillis() {
                return gracePeriodMillis;
            }

            @Override
            public Class<? extends java.lang.annotation.Annotation> annotationType() {
                return Config.class;
            }
        };
    }

    /**
     * Sets where the changes of the tasks' states go, outside a framework (in one, Declarative
     * Services sets it when there is an EventAdmin).
     *
     * @param sink the events; null for none
     */
    void events(TaskEvents sink) {
        this.events = sink;
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
     * Winds down without waiting: the tasks waiting for a thread or for their time end cancelled
     * now; the running ones are cancelled now, interrupted after the grace period, and reported if
     * still running after a second one.
     */
    @Deactivate
    void deactivate() {
        for (Runnable r : queue.stop()) {
            ((TaskRun<?>) r).endWaiting(SHUTDOWN_REASON);
        }
        List<TaskRun<?>> left = List.copyOf(tasks.values());
        left.forEach(t -> t.endWaiting(SHUTDOWN_REASON));
        left.forEach(t -> t.runState.cancel(SHUTDOWN_REASON));
        long grace = gracePeriodMillis;
        if (tasks.isEmpty()) {
            timers.shutdown();
            threads.shutdown();
            return;
        }
        timers.schedule(() -> tasks.values().forEach(TaskRun::interrupt), grace, TimeUnit.MILLISECONDS);
        timers.schedule(() -> {
            if (!tasks.isEmpty()) {
                LOG.log(Level.ERROR, () -> this + ": tasks still running after cancel, " + grace + " ms, interrupt and "
                        + grace + " ms: " + tasks.values().stream().map(t -> Text.quote(t.runState.name()))
                                .collect(Collectors.joining(", ")));
            }
        }, 2 * grace, TimeUnit.MILLISECONDS);
        timers.shutdown(); // the two above still run; nothing new is accepted
        threads.shutdown(); // running tasks go on; their threads end with them
    }

    // ---------------------------------------------------------------------------------- submit

    @Override
    public TaskHandle<Void> submit(String name, Task task) {
        return submit(name, task, TaskOptions.defaults());
    }

    @Override
    public TaskHandle<Void> submit(String name, Task task, boolean interruptOnCancel) {
        return submit(name, task, TaskOptions.defaults().interruptOnCancel(interruptOnCancel));
    }

    @Override
    public TaskHandle<Void> submit(String name, Task task, TaskOptions options) {
        return launch(bundleId, bundleName, name, work(task), options, null, null);
    }

    /**
     * Ends the tasks of a bundle that let the task service go: the waiting ones at once, the
     * running ones are cancelled with {@code reason} and interrupted if still running after the
     * grace period; one message names the bundle and its tasks, a warning if {@code warn} (else
     * for debugging: the framework stops). Returns at once.
     */
    void endTasksOf(long ownerId, String ownerName, String reason, boolean warn) {
        List<TaskRun<?>> mine = tasks.values().stream().filter(t -> t.ownerId == ownerId).collect(Collectors.toList());
        if (mine.isEmpty()) {
            return;
        }
        long grace = gracePeriodMillis;
        LOG.log(warn ? Level.WARNING : Level.DEBUG, () -> reason + ": its " + mine.size() + (mine.size() == 1 ? " task is" : " tasks are")
                + " cancelled (" + mine.stream().map(t -> Text.quote(t.runState.name())).collect(Collectors.joining(", "))
                + "); any still running in " + grace + " ms is interrupted");
        mine.forEach(t -> t.endWaiting(reason));
        mine.forEach(t -> t.runState.cancel(reason));
        try {
            timers.schedule(() -> mine.stream().filter(t -> tasks.get(t.runState) == t).forEach(TaskRun::interrupt), grace,
                    TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException shuttingDown) {
            // the service winds everything down itself
        }
    }

    /** @return {@code delay}, checked */
    static Duration delay(Duration delay) {
        return Objects.requireNonNull(delay, "delay");
    }

    @Override
    public <T> TaskHandle<T> submit(String name, Callable<T> task) {
        return submit(name, task, TaskOptions.defaults());
    }

    @Override
    public <T> TaskHandle<T> submit(String name, Callable<T> task, TaskOptions options) {
        return launch(bundleId, bundleName, name, work(task), options, null, null);
    }

    @Override
    public TaskHandle<Void> schedule(String name, Task task, Duration delay) {
        return schedule(name, task, delay, TaskOptions.defaults());
    }

    @Override
    public TaskHandle<Void> schedule(String name, Task task, Duration delay, TaskOptions options) {
        return launch(bundleId, bundleName, name, work(task), options, Objects.requireNonNull(delay, "delay"), null);
    }

    @Override
    public <T> TaskHandle<T> schedule(String name, Callable<T> task, Duration delay) {
        return schedule(name, task, delay, TaskOptions.defaults());
    }

    @Override
    public <T> TaskHandle<T> schedule(String name, Callable<T> task, Duration delay, TaskOptions options) {
        return launch(bundleId, bundleName, name, work(task), options, Objects.requireNonNull(delay, "delay"), null);
    }

    @Override
    public TaskHandle<Void> scheduleAtFixedRate(String name, Task task, Duration initialDelay, Duration period) {
        return scheduleAtFixedRate(name, task, initialDelay, period, TaskOptions.defaults());
    }

    @Override
    public TaskHandle<Void> scheduleAtFixedRate(String name, Task task, Duration initialDelay, Duration period,
            TaskOptions options) {
        return launchAtFixedRate(bundleId, bundleName, name, task, initialDelay, period, options);
    }

    /** {@link #scheduleAtFixedRate(String, Task, Duration, Duration, TaskOptions)} for a bundle's task. */
    TaskHandle<Void> launchAtFixedRate(long ownerId, String ownerName, String name, Task task, Duration initialDelay,
            Duration period, TaskOptions options) {
        Objects.requireNonNull(initialDelay, "initialDelay");
        Objects.requireNonNull(period, "period");
        if (period.isZero() || period.isNegative()) {
            throw new IllegalArgumentException("scheduleAtFixedRate(" + Text.quote(String.valueOf(name)) + ") on " + this
                    + ": the period must be positive, not " + period);
        }
        return launch(ownerId, ownerName, name, work(task), options, initialDelay, period);
    }

    static Work<Void> work(Task task) {
        Objects.requireNonNull(task, "task");
        return rs -> {
            task.run(rs);
            return null;
        };
    }

    static <T> Work<T> work(Callable<T> task) {
        Objects.requireNonNull(task, "task");
        return rs -> task.call();
    }

    /**
     * Accepts a task of the bundle {@code ownerId}'s: queued now, or at {@code delay} from now;
     * with a {@code period}, again after each run.
     */
    <T> TaskRun<T> launch(long ownerId, String ownerName, String name, Work<T> work, TaskOptions options, Duration delay,
            Duration period) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(options, "options");
        java.util.function.Supplier<String> refused = () -> "submit(" + Text.quote(name) + ") to " + this
                + ": the service is shut down";
        if (queue.isStopped()) {
            throw new ClosedException(refused.get());
        }
        // Submitted from inside a task's body: a child of the current RunState, and of that task.
        RunState current = RunState.current().orElse(null);
        TaskRun<?> parent = current == null ? null : owningTask(current);
        RunState runState = current != null && parent != null ? current.child(name) : new RunState(name);
        TaskRun<T> run = new TaskRun<>(runState, work, options, ownerId, ownerName, period);
        if (parent != null && !parent.adopt(run)) {
            parent = null; // it has ended meanwhile: its RunState's cancel still reaches this one
        }
        run.parent = parent;
        tasks.put(runState, run);
        run.registration = listing.track(runState, ownerId, ownerName, () -> run.nextRun);
        long delayNanos = delay == null ? 0 : Math.max(0, saturatedNanos(delay));
        try {
            if (delay != null && delayNanos > 0) {
                if (!run.scheduleAt(System.nanoTime() + delayNanos, TaskEvents.SUBMITTED)) {
                    throw new ClosedException(refused.get());
                }
            } else {
                run.dueNanos = System.nanoTime();
                run.post(TaskEvents.SUBMITTED, null);
                queue.submit(run, refused);
            }
        } catch (ClosedException e) {
            run.forget();
            if (run.parent != null) {
                run.parent.orphaned();
            }
            throw e;
        }
        run.watchCancel();
        return run;
    }

    /** @return the task whose RunState is {@code rs} or its nearest ancestor's; null if none is ours */
    private TaskRun<?> owningTask(RunState rs) {
        for (RunState r = rs; r != null; r = r.parent().orElse(null)) {
            TaskRun<?> t = tasks.get(r);
            if (t != null) {
                return t;
            }
        }
        return null;
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE / 4; // far enough: never due
        }
    }

    @Override
    public String toString() {
        return "TaskService[" + bundleName + "]";
    }

    /** @return the queue, for the tests of this bundle */
    TaskQueue queue() {
        return queue;
    }

    /** Whether a task ending with {@code t} after a cancel simply ended the way a cancel asks. */
    private static boolean endsACancel(Throwable t) {
        return t instanceof InterruptedException || t instanceof CancellationException
                || t instanceof ClosedByInterruptException;
    }

    // ------------------------------------------------------------------------------- TaskRun

    /** One submitted task: its RunState, its work, its outcome, its phase and its children. */
    final class TaskRun<T> implements Runnable, TaskHandle<T> {
        static final int SCHEDULED = 0;
        static final int QUEUED = 1;
        static final int RUNNING = 2;
        static final int FINISHING = 3;
        static final int ENDED = 4;

        final RunState runState;
        final Work<T> work;
        final TaskOptions options;
        /** The id and symbolic name of the bundle it belongs to. */
        final long ownerId;
        final String ownerName;
        /** Between the starts of two runs, for a repeating task; null otherwise. */
        final Duration period;
        final CompletableFuture<T> outcome = new CompletableFuture<>();
        /** The task this one is a child of; null for none. Set before it is shared. */
        TaskRun<?> parent;
        volatile Registration registration;
        private volatile Registration cancelListener;
        /** When the current (or next) run is due, in System.nanoTime() terms. */
        volatile long dueNanos;
        /** When it runs next, while it waits for its time; null otherwise. */
        private volatile Instant nextRun;
        private volatile Throwable failure;
        /** The cancel reason, kept once ended. */
        private volatile String endReason;

        // Guarded by this:
        private int phase = QUEUED;
        /** The thread running the body, while it runs. */
        private Thread runner;
        /** The timer of a task waiting for its time. */
        private ScheduledFuture<?> timer;
        /** Whether STARTED was posted for the run in progress (STOPPING comes only after it). */
        private boolean startedPosted;
        /** Whether STOPPING was posted for the run in progress (once a run). */
        private boolean stoppingPosted;
        /** Child tasks not ended yet. */
        private int liveChildTasks;
        /** Running child RunStates (not tasks) the end waits for. */
        private int liveChildren;
        /** The first failure of a child task. */
        private Throwable childFailure;
        /** What the last run returned, and how it ended, once FINISHING. */
        private T result;
        private boolean cancelledAtEnd;

        TaskRun(RunState runState, Work<T> work, TaskOptions options, long ownerId, String ownerName, Duration period) {
            this.runState = runState;
            this.work = work;
            this.options = options;
            this.ownerId = ownerId;
            this.ownerName = ownerName;
            this.period = period;
        }

        /** From now on a cancel ends the task if it is still waiting (and interrupts it if asked). */
        void watchCancel() {
            cancelListener = runState.onCancel(rs -> cancelled());
            if (runState.isCancelled()) {
                cancelled(); // cancelled before the listener was there
            }
        }

        private void cancelled() {
            boolean endNow = false;
            synchronized (this) {
                switch (phase) {
                    case SCHEDULED -> endNow = true;
                    case QUEUED -> endNow = queue.remove(this);
                    case RUNNING -> {
                        postStopping();
                        if (options.interruptOnCancel() && runner != null) {
                            runner.interrupt();
                        }
                    }
                    default -> {
                    }
                }
            }
            if (endNow) {
                endWaiting(null);
            }
        }

        /** Posts STOPPING once for a run that started, holding this monitor. */
        private void postStopping() {
            if (startedPosted && !stoppingPosted) {
                stoppingPosted = true;
                post(TaskEvents.STOPPING, null);
            }
        }

        void interrupt() {
            synchronized (this) {
                if (runner != null) {
                    runner.interrupt();
                }
            }
        }

        /**
         * Waits for its time: queued at {@code due} (System.nanoTime() terms), announced with
         * {@code topic}.
         *
         * @return false if the service shuts down (nothing changed)
         */
        boolean scheduleAt(long due, String topic) {
            long delay = Math.max(0, due - System.nanoTime());
            synchronized (this) {
                try {
                    // The timer cannot queue it before it is SCHEDULED: due() waits for this monitor.
                    timer = timers.schedule(this::due, delay, TimeUnit.NANOSECONDS);
                } catch (RejectedExecutionException shuttingDown) {
                    return false;
                }
                dueNanos = due;
                phase = SCHEDULED;
                nextRun = Instant.now().plusNanos(delay);
                post(topic, Map.of(TaskEvents.NEXT_RUN, nextRun.toEpochMilli()));
                return true;
            }
        }

        /** Its time has come: queued for a thread. */
        private void due() {
            synchronized (this) {
                if (phase != SCHEDULED) {
                    return;
                }
                phase = QUEUED;
                timer = null;
                nextRun = null;
            }
            try {
                queue.submit(this, "task " + Text.quote(runState.name()) + ": the service is shut down");
            } catch (ClosedException shuttingDown) {
                endWaiting(SHUTDOWN_REASON);
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
                startedPosted = false;
                stoppingPosted = false;
            }
            ScheduledFuture<?>[] deadline = new ScheduledFuture<?>[1];
            boolean[] ran = new boolean[1];
            boolean[] cancelledWhenThrown = new boolean[1];
            Throwable thrown = null;
            T value = null;
            try {
                // call(): the body does not run if the RunState is cancelled already (a cancel is
                // not cleared, as start() would), RunState.current() is this task's RunState in
                // the body, and RunState.failure() records what the body threw.
                value = runState.call(() -> {
                    ran[0] = true;
                    synchronized (this) {
                        startedPosted = true;
                        post(TaskEvents.STARTED, null);
                    }
                    deadline[0] = options.deadline().map(this::deadline).orElse(null);
                    try {
                        return work.run(runState);
                    } catch (Throwable t) {
                        cancelledWhenThrown[0] = runState.isCancelled();
                        synchronized (this) {
                            startedPosted = false; // call()'s cancel of a failed body is no STOPPING
                        }
                        throw t;
                    }
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
            }
            boolean cancelled = runState.isCancelled();
            Throwable failed = null;
            if (thrown != null && !(cancelledWhenThrown[0] && endsACancel(thrown))) {
                failed = thrown;
                LOG.log(Level.WARNING, "task " + Text.quote(runState.name()) + " of " + TaskServiceComponent.this
                        + " failed", thrown);
            }
            runState.stop();
            synchronized (this) {
                if (cancelled && failed == null) {
                    postStopping(); // asked to stop while it ran; its cancel listener may not have run yet
                }
                runner = null;
                startedPosted = false;
            }
            Thread.interrupted(); // an interrupt meant for this task must not reach the next
            if (period != null && failed == null && !cancelled && again()) {
                return;
            }
            bodyEnded(value, failed, cancelled || failed != null);
        }

        /**
         * A run of a repeating task ended well: due again one period after this run was due (at
         * once if that time has passed).
         *
         * @return false if it is not to run again (the service shuts down: it is cancelled)
         */
        private boolean again() {
            boolean scheduled;
            synchronized (this) {
                if (phase != RUNNING) {
                    return false;
                }
                scheduled = scheduleAt(dueNanos + saturatedNanos(period), TaskEvents.RESCHEDULED);
            }
            if (!scheduled) {
                runState.cancel(SHUTDOWN_REASON);
                return false;
            }
            if (runState.isCancelled()) {
                cancelled(); // cancelled between the end of the run and now
            }
            return true;
        }

        private ScheduledFuture<?> deadline(Duration runFor) {
            try {
                return timers.schedule(() -> {
                    if (runState.isRunning() && !runState.isCancelled()) {
                        LOG.log(Level.INFO, () -> "task " + Text.quote(runState.name()) + " ran past its deadline of "
                                + runFor + ": cancelled");
                        runState.cancel("it ran past its deadline of " + runFor);
                    }
                }, runFor.toNanos(), TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException shuttingDown) {
                return null; // the wind-down cancels it anyway
            }
        }

        /**
         * Ends a task that waits (for its time or a thread) as cancelled, now: cancelled while
         * waiting, or left at shutdown ({@code reason}). A task that never ran is started and
         * stopped, so that it ends {@code CANCELLED}.
         */
        void endWaiting(String reason) {
            ScheduledFuture<?> t;
            synchronized (this) {
                if (phase != SCHEDULED && phase != QUEUED) {
                    return;
                }
                if (phase == QUEUED) {
                    queue.remove(this);
                }
                // Ending it is ours now: neither the timer nor a thread runs it; bodyEnded takes
                // it from here to FINISHING, as after a run.
                phase = RUNNING;
                t = timer;
                timer = null;
                nextRun = null;
            }
            if (t != null) {
                t.cancel(false);
            }
            if (!runState.isCancelled()) {
                runState.cancel(reason);
            }
            if (runState.state() == RunState.State.PENDING) {
                runState.setRunning(true);
                runState.stop();
            }
            bodyEnded(null, null, true);
        }

        /** The body (or the last run) is over: the task ends once its children have. */
        private void bodyEnded(T value, Throwable failed, boolean cancelled) {
            List<RunState> running = new ArrayList<>();
            for (RunState child : runState.children()) {
                if (child.isRunning() && !tasks.containsKey(child)) {
                    running.add(child);
                }
            }
            synchronized (this) {
                if (phase != RUNNING) {
                    return;
                }
                phase = FINISHING;
                result = value;
                failure = failed;
                cancelledAtEnd = cancelled;
                liveChildren += running.size();
            }
            for (RunState child : running) {
                AtomicBoolean once = new AtomicBoolean();
                Runnable ended = () -> {
                    if (once.compareAndSet(false, true)) {
                        childEnded(null);
                    }
                };
                child.onEnd(rs -> ended.run());
                if (!child.isRunning()) {
                    ended.run(); // ended before its listener was there
                }
            }
            finishIfDone();
        }

        /** A child task joins: the end of this one waits for it. @return false if this one has ended */
        synchronized boolean adopt(TaskRun<?> child) {
            if (phase == ENDED) {
                return false;
            }
            liveChildTasks++;
            return true;
        }

        /** A child task that was never accepted (the service shut down): not waited for. */
        void orphaned() {
            synchronized (this) {
                liveChildTasks--;
            }
            finishIfDone();
        }

        /**
         * A child task ({@code child}, or a child RunState: null) ended. A child task that failed
         * fails this one: its RunState is cancelled, naming the child.
         */
        void childEnded(TaskRun<?> child) {
            Throwable childFailed = child == null ? null : child.failure;
            boolean cancelSelf = false;
            synchronized (this) {
                if (child != null) {
                    liveChildTasks--;
                } else {
                    liveChildren--;
                }
                if (childFailed != null && childFailure == null) {
                    childFailure = childFailed;
                    cancelSelf = phase != ENDED;
                }
            }
            if (cancelSelf) {
                runState.cancel("child task " + Text.quote(child.runState.name()) + " (" + child.runState.id() + ") failed: "
                        + RunStateInfos.describe(childFailed));
            }
            finishIfDone();
        }

        private void finishIfDone() {
            Throwable f;
            boolean cancelled;
            T value;
            synchronized (this) {
                if (phase != FINISHING || liveChildTasks > 0 || liveChildren > 0) {
                    return;
                }
                phase = ENDED;
                if (failure == null && childFailure != null) {
                    failure = childFailure;
                }
                f = failure;
                cancelled = cancelledAtEnd;
                value = result;
                result = null;
            }
            endReason = runState.cancelReason().orElse(null);
            forget();
            if (f != null) {
                post(TaskEvents.FAILED, Map.of(TaskEvents.FAILURE, RunStateInfos.describe(f), "exception", f));
                outcome.completeExceptionally(f);
            } else if (cancelled) {
                post(TaskEvents.CANCELLED, null);
                outcome.completeExceptionally(new CancellationException("task " + Text.quote(runState.name())
                        + " was cancelled" + (endReason != null ? ": " + endReason : "")));
            } else {
                post(TaskEvents.COMPLETED, null);
                outcome.complete(value);
            }
            TaskRun<?> p = parent;
            if (p != null) {
                p.childEnded(this);
            }
        }

        /** Stops tracking: no longer listed as live, no longer a task of this service. */
        void forget() {
            Registration c = cancelListener;
            if (c != null) {
                c.close();
            }
            Registration r = registration;
            if (r != null) {
                r.close();
            }
            tasks.remove(runState, this);
        }

        /** Hands a change of this task's state to the events, if there are any. */
        void post(String topic, Map<String, Object> extra) {
            TaskEvents sink = events;
            if (sink == null || !sink.listening()) {
                return;
            }
            Map<String, Object> p = new HashMap<>();
            p.put(TaskEvents.ID, runState.id());
            p.put(TaskEvents.NAME, runState.name());
            // STOPPING is posted by the cancel, in the canceller's thread, while the task's own
            // thread may already have ended it: the event reports the change it is about.
            p.put(TaskEvents.STATE, topic.equals(TaskEvents.STOPPING) ? RunState.State.STOPPING.name()
                    : runState.state().name());
            p.put("bundle.id", ownerId);
            p.put("bundle.symbolicName", ownerName);
            p.put("timestamp", System.currentTimeMillis());
            TaskRun<?> up = parent;
            if (up != null) {
                p.put(TaskEvents.PARENT_ID, up.runState.id());
            }
            String reason = topic.equals(TaskEvents.STOPPING) || topic.equals(TaskEvents.CANCELLED)
                    ? runState.cancelReason().orElse(null) : null;
            if (reason != null) {
                p.put(TaskEvents.REASON, reason);
            }
            if (extra != null) {
                p.putAll(extra);
            }
            sink.post(topic, p);
        }

        // ------------------------------------------------------------------------ TaskHandle

        @Override
        public RunState runState() {
            return runState;
        }

        @Override
        public CompletionStage<T> completion() {
            return outcome.minimalCompletionStage();
        }

        @Override
        public Optional<Throwable> failure() {
            return outcome.isDone() ? Optional.ofNullable(failure) : Optional.empty();
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
        public boolean cancel(String reason) {
            if (outcome.isDone()) {
                return false;
            }
            runState.cancel(reason);
            return true;
        }

        @Override
        public Optional<String> cancelReason() {
            return outcome.isDone() ? Optional.ofNullable(endReason) : runState.cancelReason();
        }

        @Override
        public Optional<Instant> nextRun() {
            return Optional.ofNullable(nextRun);
        }

        @Override
        public boolean isCancelled() {
            return outcome.isCancelled();
        }

        @Override
        public boolean isDone() {
            return outcome.isDone();
        }

        @Override
        public T get() throws InterruptedException, ExecutionException {
            return outcome.get();
        }

        @Override
        public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
            return outcome.get(timeout, unit);
        }

        @Override
        public String toString() {
            return "Task[" + runState + "]";
        }
    }
}
