package cs.resources.impl;

import cs.resources.AbstractMultiOpen;
import cs.resources.ClosedException;
import cs.resources.MultiOpen;
import cs.resources.Registration;
import cs.resources.RunState;
import cs.resources.runtime.RunStateInfo.Source;
import cs.resources.runtime.Task;
import cs.resources.runtime.TaskService;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
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
 * The {@link TaskService}: a MultiOpen Declarative Services component. Activation opens it
 * (startup creates the thread pool); deactivation retires it, so that it shuts down when the last
 * consumer's open is closed (shutdown cancels every task, waits the grace period, then interrupts)
 * and never starts again: Declarative Services makes a fresh instance on reactivation.
 *
 * <p>A submission holds an open while it registers its task, so shutdown never races with it.
 * The thread pool is created by startup and read by submissions made while open; the task set is
 * concurrent.
 */
@Designate(ocd = TaskServiceComponent.Config.class)
@Component(configurationPid = TaskServiceComponent.PID, service = {TaskService.class, MultiOpen.class})
public final class TaskServiceComponent extends AbstractMultiOpen implements TaskService {

    /** The configuration PID. */
    public static final String PID = "cs.resources.tasks";
    /** Every thread of the task service's pool has a name that starts with this. */
    public static final String THREAD_PREFIX = "cs.resources-task-";

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
    private volatile int threads;
    private volatile long gracePeriodMillis;
    /** Created by startup; used by submissions, which hold an open. */
    private volatile ThreadPoolExecutor executor;
    /** Tasks submitted and not yet finished (queued or running). */
    private final Set<TaskRun> tasks = ConcurrentHashMap.newKeySet();
    /**
     * Guards {@link #stopping}: a task decides to start holding it, and shutdown sets the flag
     * holding it before it cancels anything, so no queued task starts once shutdown has begun.
     */
    private final Object startLock = new Object();
    private boolean stopping;

    @Activate
    public TaskServiceComponent(@Reference(name = "registry") Registry registry, BundleContext context, Config config) {
        this.registry = registry;
        this.bundle = context.getBundle();
        configure(config);
        open();
    }

    @Modified
    void modified(Config config) {
        configure(config);
        ThreadPoolExecutor e = executor;
        if (e != null) {
            int n = threads;
            if (n > e.getMaximumPoolSize()) {
                e.setMaximumPoolSize(n);
                e.setCorePoolSize(n);
            } else {
                e.setCorePoolSize(n);
                e.setMaximumPoolSize(n);
            }
        }
    }

    @Deactivate
    void deactivate() {
        retire();
    }

    private void configure(Config config) {
        if (config.threads() < 1) {
            throw new IllegalArgumentException(PID + ": threads must be at least 1, not " + config.threads());
        }
        if (config.gracePeriodMillis() < 0) {
            throw new IllegalArgumentException(PID + ": gracePeriodMillis must be 0 or more, not " + config.gracePeriodMillis());
        }
        threads = config.threads();
        gracePeriodMillis = config.gracePeriodMillis();
    }

    // ------------------------------------------------------------------------------- lifecycle

    @Override
    protected void startup() {
        ThreadFactory factory = r -> {
            Thread t = new Thread(r, THREAD_PREFIX + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        int n = threads;
        ThreadPoolExecutor e = new ThreadPoolExecutor(n, n, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), factory);
        e.allowCoreThreadTimeOut(true);
        executor = e;
    }

    @Override
    protected void shutdown() {
        ThreadPoolExecutor e = executor;
        synchronized (startLock) {
            stopping = true;
        }
        tasks.forEach(t -> t.runState.cancel());
        e.shutdown();
        long grace = gracePeriodMillis;
        boolean interrupted = false;
        try {
            if (!e.awaitTermination(grace, TimeUnit.MILLISECONDS)) {
                List<Runnable> queued = e.shutdownNow();
                queued.forEach(r -> ((TaskRun) r).finish());
                if (!e.awaitTermination(grace, TimeUnit.MILLISECONDS)) {
                    LOG.log(Level.ERROR, () -> this + ": tasks still running after cancel, "
                            + grace + " ms, interrupt and " + grace + " ms: "
                            + tasks.stream().map(t -> Text.quote(t.runState.name())).collect(Collectors.joining(", ")));
                }
            }
        } catch (InterruptedException ie) {
            interrupted = true;
            e.shutdownNow().forEach(r -> ((TaskRun) r).finish());
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ---------------------------------------------------------------------------------- submit

    @Override
    public RunState submit(String name, Task task) {
        return submit(name, task, false);
    }

    @Override
    public RunState submit(String name, Task task, boolean interruptOnCancel) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(task, "task");
        try {
            open(); // held while the task is registered, so that shutdown cannot race with it
        } catch (ClosedException e) {
            throw new ClosedException("submit(" + Text.quote(name) + ") to " + this + ": the service is shut down");
        }
        try {
            TaskRun run = new TaskRun(new RunState(name), task, interruptOnCancel);
            tasks.add(run);
            run.registration = registry.track(run.runState, bundle, Source.TASK, false, null);
            executor.execute(run);
            return run.runState;
        } finally {
            close();
        }
    }

    @Override
    public String toString() {
        return "TaskService[" + bundle.getSymbolicName() + "]";
    }

    /** One submitted task: its RunState, its body, and the thread running it. */
    private final class TaskRun implements Runnable {
        final RunState runState;
        final Task task;
        volatile Registration registration;
        /** The thread running the body, while it runs; guarded by this. */
        private Thread runner;
        private final Registration interruptOnCancel;

        TaskRun(RunState runState, Task task, boolean interruptOnCancel) {
            this.runState = runState;
            this.task = task;
            this.interruptOnCancel = interruptOnCancel ? runState.onCancel(rs -> interruptRunner()) : null;
        }

        private synchronized void interruptRunner() {
            if (runner != null) {
                runner.interrupt();
            }
        }

        @Override
        public void run() {
            try {
                boolean stop;
                synchronized (startLock) {
                    stop = stopping || runState.isCancelled();
                }
                if (stop) {
                    // Cancelled while queued, or shutting down: it never starts.
                    if (!runState.isCancelled()) {
                        runState.cancel();
                    }
                    return;
                }
                synchronized (this) {
                    runner = Thread.currentThread();
                }
                // setRunning, not start(): start() would clear a cancel that just arrived.
                runState.setRunning(true);
                try {
                    task.run(runState);
                } catch (Throwable t) {
                    // An interrupt that a cancel asked for is how a cancelled task ends, not a failure.
                    boolean cancelled = runState.isCancelled();
                    runState.cancel();
                    if (!(t instanceof InterruptedException && cancelled)) {
                        LOG.log(Level.WARNING, "task " + Text.quote(runState.name()) + " of "
                                + TaskServiceComponent.this + " failed", t);
                    }
                } finally {
                    runState.stop();
                    synchronized (this) {
                        runner = null;
                    }
                    Thread.interrupted(); // an interrupt meant for this task must not reach the next
                }
            } finally {
                finish();
            }
        }

        /** Stops tracking this task (it ended, or will never run). Idempotent. */
        void finish() {
            if (interruptOnCancel != null) {
                interruptOnCancel.close();
            }
            Registration r = registration;
            if (r != null) {
                r.close();
            }
            tasks.remove(this);
        }
    }
}
