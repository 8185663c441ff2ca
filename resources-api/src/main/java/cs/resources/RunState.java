package cs.resources;

import java.lang.System.Logger.Level;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Spliterator;
import java.util.WeakHashMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A running task whose cancellation may be requested (the Python library's {@code RunState}),
 * and a handle on it: its progress, a pause, its children and how its last run ended. The task
 * says it has started ({@link #start()}) and stopped ({@link #stop()}), or lets {@link #run} and
 * {@link #call} do both; anyone may ask it to stop ({@link #cancel()}), and the task polls
 * {@link #isCancelled()}:
 *
 * <pre>{@code
 * try (RunState rs = new RunState("indexer").start()) {
 *     while (!rs.isCancelled()) {
 *         ... one step of work ...
 *     }
 * }
 * }</pre>
 *
 * <h2>States</h2>
 * Two flags, <em>running</em> and <em>cancelled</em>, give {@link State}: {@code PENDING} (never
 * started, even if cancelled), {@code RUNNING}, {@code STOPPING} (running and cancelled),
 * {@code CANCELLED} (not running, cancelled) and {@code STOPPED} (not running, not cancelled);
 * {@code PAUSED} is a running state that {@link #pause()} paused. Note that {@link #isStopped()}
 * follows the Python library: not running <em>and cancelled</em>, so it is true for
 * {@code CANCELLED} (and for a state cancelled before it ever started), false for
 * {@code STOPPED}.
 *
 * <h2>Progress</h2>
 * The task may say how far it got: {@link #setTotal}, {@link #advance}, {@link #setDone},
 * {@link #setMessage}; anyone reads {@link #progress()} and {@link #eta()}. Progress is kept
 * across a stop and a new start (set it again to reuse the RunState). Updates take no lock and,
 * after the first, allocate nothing ({@code setTotal} excepted), so a task may report every item.
 *
 * <h2>Pause</h2>
 * {@link #pause()} asks a running task to wait; the task waits where it chooses, in
 * {@link #waitWhilePaused()}, {@link #sleep}, {@link #raiseIfCancelled()} or
 * {@link #untilCancelled(Iterable)}, until {@link #resume()}, a cancel or a stop. A paused
 * RunState is still running. A pause applies to this RunState only, not to its children.
 *
 * <h2>Parent and children</h2>
 * {@link #child(String)} makes a RunState whose cancel follows this one's: cancelling a parent
 * cancels every child that has not ended (and theirs), a child made or started while its parent is
 * cancelled is cancelled, and {@code start()} of a child clears its own cancel only. The parent is
 * fixed when the child is made, and a new RunState has no children, so no RunState can become its
 * own ancestor. A parent holds its children weakly and forgets each one when it ends; a child
 * holds its parent strongly only until it ends, so neither keeps the other reachable once the
 * child has ended.
 *
 * <h2>Cancel poll</h2>
 * {@link #RunState(String, BooleanSupplier)} adds a source of cancellation that nobody has to call
 * {@code cancel()} for (a deadline, a flag of another system): {@code isCancelled()} asks it while
 * the RunState is not cancelled, and its first {@code true} cancels the RunState for good
 * ({@code start()} does not clear that cancel). It is asked outside any lock, by the thread that
 * calls {@code isCancelled()} and by the waits of this class every
 * {@value #POLL_INTERVAL_MILLIS} ms. {@link #state()}, {@link #isStopping()} and
 * {@link #isStopped()} read the flags only: a poll that would say {@code true} shows once
 * someone asked it. The children of a polled RunState ask it too.
 *
 * <h2>Listeners</h2>
 * {@link #onStart}, {@link #onEnd} and {@link #onCancel} listeners are called with this RunState,
 * in the thread that made the change, after the change, outside any lock, in registration order. A
 * listener that throws neither stops the others nor undoes the change: its exception is logged as
 * a warning through {@link System.Logger}; an {@link Error} is rethrown after the other listeners
 * have run.
 *
 * <h2>Concurrency</h2>
 * Thread-safe. {@link #isCancelled()} of a RunState without a cancel poll is a single volatile
 * read; progress updates are compare-and-sets without a lock; the other changes take a private
 * monitor, never held while code other than this class's runs (listeners, the cancel poll,
 * {@code toString()} of anything). Waits ({@code sleep}, {@code waitWhilePaused}) wait on that
 * monitor.
 *
 * <p>Memory consistency effects: actions in a thread before {@code start()}, {@code cancel()},
 * {@code pause()}, {@code resume()}, {@code stop()} or a progress update happen-before actions in
 * another thread after it observes the resulting state or progress through this RunState's
 * methods (including listeners called for the change, and a {@code sleep} or
 * {@code waitWhilePaused} that the change ends). What the body of {@code run}/{@code call} did
 * happens-before anything that sees the RunState stopped by it, or its {@link #failure()}.
 */
public class RunState implements AutoCloseable {

    /** What a RunState is doing, from its flags and whether it ever started. */
    public enum State {
        /** Never started (even if cancelled). */
        PENDING,
        /** Running, not cancelled, not paused. */
        RUNNING,
        /** Running and paused ({@link RunState#pause()}), not cancelled: still running. */
        PAUSED,
        /** Running and cancelled: asked to stop, not stopped yet. */
        STOPPING,
        /** Not running, and cancelled. */
        CANCELLED,
        /** Not running, not cancelled. */
        STOPPED
    }

    /**
     * How far a task got, at one moment.
     *
     * @param done the done count (never negative)
     * @param total the total, 0 when unknown; when known, {@code done <= total}
     * @param message what the task said it is doing; {@code ""} when it said nothing
     */
    public record Progress(long done, long total, String message) {
        /**
         * @param done the done count
         * @param total the total, 0 when unknown
         * @param message what the task said it is doing; {@code ""} for nothing
         * @throws NullPointerException if {@code message} is null
         */
        public Progress {
            Objects.requireNonNull(message, "message");
        }
    }

    /** How often the waits of a RunState with a cancel poll ask the poll, in milliseconds. */
    public static final long POLL_INTERVAL_MILLIS = 10;

    private static final System.Logger LOG = System.getLogger(RunState.class.getName());
    private static final AtomicLong IDS = new AtomicLong();
    /** The RunState whose run/call body runs in this thread; set and restored around each body. */
    private static final ThreadLocal<RunState> CURRENT = new ThreadLocal<>();

    // The flags, one volatile int (docs/design.md, section 5).
    private static final int RUNNING = 1;
    private static final int CANCELLED = 2;
    private static final int STARTED = 4;
    private static final int PAUSED = 8;
    /** isCancelled() must ask a poll: this RunState's own, or (for a child) its parent's. */
    private static final int POLLED = 16;
    /** The poll said true: the cancel stays, start() does not clear it. */
    private static final int STUCK = 32;

    private static final VarHandle EXTRAS;

    static {
        try {
            EXTRAS = MethodHandles.lookup().findVarHandle(RunState.class, "extras", Extras.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long id = IDS.incrementAndGet();
    private final String name;
    private final Clock clock;

    /** The bits above; written holding {@link #lock}, read without it. */
    private volatile int flags;

    /** Guards the times below, every write of {@link #flags} and the family links of {@link #extras}; waits wait on it. */
    private final Object lock = new Object();
    private Instant startTime;
    private Instant stopTime;
    private Duration totalTime = Duration.ZERO;

    /** The listener lists, by kind; each made on first registration, holding {@link #lock}. */
    private volatile CopyOnWriteArrayList<Listener> startListeners;
    private volatile CopyOnWriteArrayList<Listener> endListeners;
    private volatile CopyOnWriteArrayList<Listener> cancelListeners;
    private static final int START = 0;
    private static final int END = 1;
    private static final int CANCEL = 2;

    /**
     * What few RunStates need (a poll, a parent, children, progress, a failure), made when first
     * needed: a plain RunState carries one null reference for all of it.
     */
    private volatile Extras extras;

    /** The side object: its final fields are set when it is made; the others say what guards them. */
    private static final class Extras {
        /** The cancel poll given to the constructor; null for none. */
        final BooleanSupplier poll;
        /** The parent, for a child; null otherwise. Never keeps the parent reachable. */
        final WeakReference<RunState> parent;
        /** The parent while this child has not ended, else null; written holding the owner's lock. */
        volatile RunState liveParent;
        /** The children that have not ended (weakly: a dropped pending child is forgotten); guarded by the owner's lock. */
        WeakHashMap<RunState, Boolean> children;
        /** Made on the first progress call, by compare-and-set. */
        volatile RunStateProgress progress;
        /** What the body of the last run/call threw; null if it did not (or none ran). */
        volatile Throwable failure;

        Extras(BooleanSupplier poll, RunState parent) {
            this.poll = poll;
            this.parent = parent == null ? null : new WeakReference<>(parent);
            this.liveParent = parent;
        }
    }

    private static final VarHandle PROGRESS;

    static {
        try {
            PROGRESS = MethodHandles.lookup().findVarHandle(Extras.class, "progress", RunStateProgress.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** A RunState named {@code "RunState-" + id()}. */
    public RunState() {
        this(null, Clock.systemUTC());
    }

    /**
     * @param name the name shown by tools such as the shell; {@code null} for
     *     {@code "RunState-" + id()}
     */
    public RunState(String name) {
        this(name, Clock.systemUTC());
    }

    /**
     * @param name as {@link #RunState(String)}
     * @param clock where start and stop times come from
     * @throws NullPointerException if {@code clock} is null
     */
    public RunState(String name, Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.name = name != null ? name : "RunState-" + id;
    }

    /**
     * A RunState that is also cancelled when {@code cancelPoll} says so: {@link #isCancelled()}
     * asks it while the RunState is not cancelled, outside any lock, and its first {@code true}
     * cancels the RunState (the cancel listeners run once) for good: later polls are not made and
     * {@link #start()} does not clear that cancel. What the poll throws reaches the caller of
     * {@code isCancelled()} and changes nothing. The poll must not call this RunState's
     * {@code isCancelled()} (that would recurse).
     *
     * @param name as {@link #RunState(String)}
     * @param cancelPoll says whether the task should stop
     * @throws NullPointerException if {@code cancelPoll} is null
     */
    public RunState(String name, BooleanSupplier cancelPoll) {
        this(name, Clock.systemUTC(), cancelPoll);
    }

    /** As {@link #RunState(String, BooleanSupplier)} with a clock (for tests). */
    RunState(String name, Clock clock, BooleanSupplier cancelPoll) {
        this(name, clock);
        extras = new Extras(Objects.requireNonNull(cancelPoll, "cancelPoll"), null);
        flags = POLLED;
    }

    /** A child of {@code parent}, not yet known to it. */
    private RunState(String name, Clock clock, RunState parent) {
        this(name, clock);
        extras = new Extras(null, parent);
        if ((parent.flags & POLLED) != 0) {
            flags = POLLED;
        }
    }

    /** @return an id unique among the RunStates of this JVM (class loader); never 0 */
    public long id() {
        return id;
    }

    /** @return this RunState's name */
    public String name() {
        return name;
    }

    // ----------------------------------------------------------------------------------- control

    /**
     * Marks the task running and clears cancelled (unless the cancel came from the cancel poll, or
     * this is a child whose parent is cancelled). On a state that is not running this stamps the
     * start time and calls the start listeners; on a running one it only clears cancelled. A pause
     * is left as it is.
     *
     * @return this RunState
     */
    public RunState start() {
        if (begin(true)) {
            notify(startListeners);
        }
        return this;
    }

    /**
     * Sets running, and with {@code clearCancel} clears cancelled as {@link #start()} says.
     *
     * @return whether it was not running (the caller calls the start listeners)
     */
    private boolean begin(boolean clearCancel) {
        // The clock is read before the lock (it may be the caller's code), and only if a start may
        // be needed; a stop that comes in between sends us round again for a fresh reading.
        Instant now = null;
        for (;;) {
            if (now == null && (flags & RUNNING) == 0) {
                now = clock.instant();
            }
            synchronized (lock) {
                int f = flags;
                boolean started = (f & RUNNING) == 0;
                if (started && now == null) {
                    continue;
                }
                return beginLocked(f, started, now, clearCancel);
            }
        }
    }

    /** The body of {@link #begin(boolean)}, holding {@link #lock}; {@code f} is the flags read under it. */
    private boolean beginLocked(int f, boolean started, Instant now, boolean clearCancel) {
        Extras e = extras;
        boolean parentCancelled = false;
        if (e != null) {
            if (started) {
                RunStateProgress p = e.progress;
                if (p != null) {
                    p.doneAtStart = p.done();
                }
            }
            if (e.parent != null) {
                RunState parent = e.parent.get();
                if (parent != null) {
                    // Lock order: a child's lock, then its parent's; never the other way round.
                    parentCancelled = started ? parent.attach(this) : (parent.flags & CANCELLED) != 0;
                }
                e.liveParent = parent;
            }
        }
        if (started) {
            startTime = now;
        }
        int clear = clearCancel && (f & STUCK) == 0 && !parentCancelled ? CANCELLED : 0;
        flags = ((f | RUNNING | STARTED) & ~clear) | (parentCancelled ? CANCELLED : 0);
        return started;
    }

    /**
     * Asks the task to stop: sets cancelled, clears a pause, wakes every {@link #sleep} and
     * {@link #waitWhilePaused} caller, and cancels the children that have not ended. Then the
     * cancel listeners run, on every call, also before a start (the children's first, then this
     * RunState's).
     */
    public void cancel() {
        RunState[] kids;
        synchronized (lock) {
            flags = (flags | CANCELLED) & ~PAUSED;
            kids = liveChildren();
            lock.notifyAll();
        }
        Error error = cancelAll(kids);
        error = merge(error, listen(cancelListeners));
        if (error != null) {
            throw error;
        }
    }

    /** The poll (ours or an ancestor's) said true: cancel for good, listeners once. */
    private void cancelFromPoll() {
        RunState[] kids;
        synchronized (lock) {
            int f = flags;
            if ((f & STUCK) != 0) {
                return;
            }
            flags = (f | CANCELLED | STUCK) & ~PAUSED;
            kids = liveChildren();
            lock.notifyAll();
        }
        Error error = cancelAll(kids);
        error = merge(error, listen(cancelListeners));
        if (error != null) {
            throw error;
        }
    }

    private static Error cancelAll(RunState[] kids) {
        Error error = null;
        if (kids != null) {
            for (RunState kid : kids) {
                try {
                    kid.cancel();
                } catch (Error e) {
                    error = merge(error, e);
                }
            }
        }
        return error;
    }

    /**
     * Marks the task stopped: clears running and a pause (waking those waiting it out), stamps the
     * stop time, adds the run to {@link #totalTime()}, lets a parent forget this child, and calls
     * the end listeners. Does nothing when not running.
     */
    public void stop() {
        if ((flags & RUNNING) == 0) {
            return;
        }
        Instant now = clock.instant(); // before the lock: the clock may be the caller's code
        boolean stopped;
        synchronized (lock) {
            int f = flags;
            stopped = (f & RUNNING) != 0;
            if (stopped) {
                stopTime = now;
                totalTime = totalTime.plus(nonNegative(Duration.between(startTime, stopTime)));
                flags = f & ~(RUNNING | PAUSED);
                if ((f & PAUSED) != 0) {
                    lock.notifyAll();
                }
                Extras e = extras;
                if (e != null && e.parent != null) {
                    RunState parent = e.liveParent;
                    if (parent != null) {
                        parent.detach(this);
                    }
                    e.liveParent = null;
                }
            }
        }
        if (stopped) {
            notify(endListeners);
        }
    }

    /** The same as {@link #stop()}. */
    public void end() {
        stop();
    }

    /** Stops the task: the same as {@link #stop()}, for try-with-resources. */
    @Override
    public void close() {
        stop();
    }

    /**
     * {@code true} on a state that is not running marks it running, stamps the start time and calls
     * the start listeners, leaving cancelled as it is (on a running one it does nothing);
     * {@code false} is {@link #stop()}.
     *
     * @param running the new value of the running flag
     */
    public void setRunning(boolean running) {
        if (!running) {
            stop();
        } else if (begin(false)) {
            notify(startListeners);
        }
    }

    /**
     * Runs {@code body} as this task: starts (leaving a cancel as it is, unlike {@link #start()}),
     * runs the body unless the RunState is cancelled by then, cancels if the body threw, then
     * stops. While the body runs this RunState is {@link #current()} in this thread. The body's
     * exception propagates and is kept as {@link #failure()}.
     *
     * <p>A RunState cancelled before the body could run (by an earlier {@code cancel()}, its
     * parent, or its cancel poll) is started and stopped without running it: the start and end
     * listeners run, it ends {@code CANCELLED}, and {@code run} returns normally.
     *
     * @param body the work
     * @throws NullPointerException if {@code body} is null (nothing changes)
     */
    public void run(Runnable body) {
        Objects.requireNonNull(body, "body");
        if (!beginRun()) {
            return;
        }
        try {
            RunState outer = CURRENT.get();
            CURRENT.set(this);
            try {
                body.run();
            } catch (Throwable t) {
                fail(t);
                throw t;
            } finally {
                restoreCurrent(outer);
            }
        } catch (Throwable t) {
            cancel();
            throw t;
        } finally {
            stop();
        }
    }

    /**
     * As {@link #run(Runnable)}, returning what the body returns.
     *
     * @param <T> the body's result type
     * @param body the work
     * @return the body's result
     * @throws CancellationException if the RunState was cancelled before the body could run (it
     *     did not run; the RunState was started and stopped and is {@code CANCELLED})
     * @throws Exception what the body threw
     * @throws NullPointerException if {@code body} is null (nothing changes)
     */
    public <T> T call(Callable<T> body) throws Exception {
        Objects.requireNonNull(body, "body");
        if (!beginRun()) {
            throw new CancellationException("call() on " + this + ": cancelled before its body ran");
        }
        try {
            RunState outer = CURRENT.get();
            CURRENT.set(this);
            try {
                return body.call();
            } catch (Throwable t) {
                fail(t);
                throw t;
            } finally {
                restoreCurrent(outer);
            }
        } catch (Throwable t) {
            cancel();
            throw t;
        } finally {
            stop();
        }
    }

    /**
     * Starts for run/call, forgetting the last failure.
     *
     * @return true if the body may run; false if the RunState is cancelled, in which case it has
     *     been started and stopped
     */
    private boolean beginRun() {
        Extras e = extras;
        if (e != null) {
            e.failure = null;
        }
        try {
            if (begin(false)) {
                notify(startListeners);
            }
            if (!isCancelled()) {
                return true;
            }
        } catch (Throwable t) {
            try {
                cancel();
            } finally {
                stop();
            }
            throw t;
        }
        stop();
        return false;
    }

    private void fail(Throwable t) {
        extras().failure = t;
    }

    private static void restoreCurrent(RunState outer) {
        if (outer == null) {
            CURRENT.remove(); // nothing of ours stays in the thread after the outermost run
        } else {
            CURRENT.set(outer);
        }
    }

    /**
     * The RunState whose {@link #run}/{@link #call} body is running in this thread: the innermost
     * one when runs are nested. Another thread, also one started from inside a body, does not see
     * it; once the outermost body returns or throws, this thread keeps no reference to it. Works
     * the same in virtual threads (each has its own).
     *
     * @return that RunState; empty outside any run/call body
     */
    public static Optional<RunState> current() {
        return Optional.ofNullable(CURRENT.get());
    }

    /**
     * For workers: waits out a pause (see {@link #waitWhilePaused()}), then throws if cancellation
     * was requested. An interrupt ends the wait for the pause early, with the interrupt flag set
     * again for the caller to see.
     *
     * @throws CancellationException if {@link #isCancelled()}; the message names this RunState
     */
    public void raiseIfCancelled() {
        if ((flags & PAUSED) != 0) {
            try {
                waitWhilePaused();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (isCancelled()) {
            throw new CancellationException(this + " was cancelled");
        }
    }

    /**
     * Waits out a pause (see {@link #waitWhilePaused()}), then sleeps for {@code duration}, waking
     * early when this RunState is cancelled.
     *
     * @param duration how long to sleep once not paused; zero only checks
     * @return true if the whole time passed, false as soon as the RunState is (or already was)
     *     cancelled
     * @throws InterruptedException if the thread is interrupted while sleeping (the flag is cleared,
     *     as by {@link Thread#sleep})
     * @throws IllegalArgumentException if {@code duration} is negative
     * @throws NullPointerException if {@code duration} is null
     */
    public boolean sleep(Duration duration) throws InterruptedException {
        Objects.requireNonNull(duration, "duration");
        if (duration.isNegative()) {
            throw new IllegalArgumentException("sleep(" + duration + ") on " + this + ": negative duration");
        }
        waitWhilePaused();
        long nanos;
        try {
            nanos = duration.toNanos();
        } catch (ArithmeticException e) {
            nanos = Long.MAX_VALUE;
        }
        long deadline = System.nanoTime() + nanos;
        for (;;) {
            boolean polled = (flags & POLLED) != 0;
            if (polled && isCancelled()) { // the poll runs here, outside the lock
                if (Thread.interrupted()) {
                    throw new InterruptedException("sleep of " + this + " interrupted");
                }
                return false;
            }
            synchronized (lock) {
                for (;;) {
                    if (Thread.interrupted()) {
                        throw new InterruptedException("sleep of " + this + " interrupted");
                    }
                    if ((flags & CANCELLED) != 0) {
                        return false;
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return true;
                    }
                    if (polled) {
                        left = Math.min(left, TimeUnit.MILLISECONDS.toNanos(POLL_INTERVAL_MILLIS));
                    }
                    lock.wait(left / 1_000_000L, (int) (left % 1_000_000L));
                    if (polled) {
                        break; // ask the poll again, outside the lock
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------ pause

    /**
     * Pauses the running task: it goes on running ({@link #isRunning()} stays true) until it
     * reaches one of the waits that honour a pause, which then waits until {@link #resume()}, a
     * cancel or a stop. Pausing a paused RunState does nothing. A cancel wins over a pause: on a
     * running RunState that is cancelled ({@code STOPPING}) this does nothing either, since a
     * cancel ends a pause and a stopping task is not to wait.
     *
     * @throws IllegalStateException if the RunState is not running (nothing changes; the message
     *     names it)
     */
    public void pause() {
        synchronized (lock) {
            int f = flags;
            if ((f & (RUNNING | CANCELLED)) == RUNNING) {
                flags = f | PAUSED;
                return;
            }
            if ((f & RUNNING) != 0) {
                return; // cancelled: stays STOPPING, not paused
            }
        }
        throw new IllegalStateException("pause() of " + this + ": it is not running");
    }

    /** Ends a pause, waking those waiting it out. Does nothing when not paused. */
    public void resume() {
        if ((flags & PAUSED) == 0) {
            return;
        }
        synchronized (lock) {
            int f = flags;
            if ((f & PAUSED) != 0) {
                flags = f & ~PAUSED;
                lock.notifyAll();
            }
        }
    }

    /** @return whether the task is paused (and so running, and not cancelled) */
    public boolean isPaused() {
        return (flags & PAUSED) != 0;
    }

    /**
     * For workers: returns at once unless paused; while paused, waits until {@link #resume()}, a
     * cancel (also from the cancel poll, asked every {@value #POLL_INTERVAL_MILLIS} ms), or a
     * stop.
     *
     * @throws InterruptedException if the thread is interrupted while waiting (the flag is
     *     cleared); a thread that is not paused returns at once even if interrupted
     */
    public void waitWhilePaused() throws InterruptedException {
        if ((flags & PAUSED) == 0) {
            return;
        }
        for (;;) {
            boolean polled = (flags & POLLED) != 0;
            if (polled && isCancelled()) { // a cancel from the poll ends the pause
                return;
            }
            synchronized (lock) {
                for (;;) {
                    if ((flags & PAUSED) == 0) {
                        return;
                    }
                    if (Thread.interrupted()) {
                        throw new InterruptedException("waitWhilePaused() of " + this + " interrupted");
                    }
                    if (polled) {
                        lock.wait(POLL_INTERVAL_MILLIS);
                        break;
                    }
                    lock.wait();
                }
            }
        }
    }

    // --------------------------------------------------------------------------------- progress

    /**
     * @param total how many units the task has to do; 0 for unknown
     * @throws IllegalArgumentException if {@code total} is negative, or known and below the done
     *     count (nothing changes)
     */
    public void setTotal(long total) {
        progressCounter().setTotal(total, this);
    }

    /**
     * Adds {@code n} to the done count: one compare-and-set, no lock, no allocation.
     *
     * @param n units just done; 0 does nothing
     * @throws IllegalArgumentException if {@code n} is negative, or the count would go above a
     *     known total or overflow (nothing changes)
     */
    public void advance(long n) {
        progressCounter().advance(n, this);
    }

    /**
     * @param done the done count
     * @throws IllegalArgumentException if {@code done} is negative, or above a known total
     *     (nothing changes)
     */
    public void setDone(long done) {
        progressCounter().setDone(done, this);
    }

    /**
     * @param message what the task is doing now, for those watching; {@code ""} for nothing
     * @throws NullPointerException if {@code message} is null (nothing changes)
     */
    public void setMessage(String message) {
        Objects.requireNonNull(message, "message");
        progressCounter().setMessage(message);
    }

    /**
     * @return the done count, the total and the message, the count and the total from one moment
     *     ({@code done <= total} when the total is known); {@code (0, 0, "")} before any progress
     *     call
     */
    public Progress progress() {
        Extras e = extras;
        RunStateProgress p = e == null ? null : e.progress;
        return p == null ? new Progress(0, 0, "") : p.snapshot();
    }

    /**
     * The time left, from the rate since the start: the time since the start, times the units left,
     * divided by the units done since the start.
     *
     * @return zero when a known total is done; empty when the RunState is not running, the total
     *     is unknown, or nothing has been done (or no time has passed) since the start
     */
    public Optional<Duration> eta() {
        Extras e = extras;
        RunStateProgress p = e == null ? null : e.progress;
        if (p == null) {
            return Optional.empty();
        }
        Instant start;
        long doneAtStart;
        synchronized (lock) {
            if ((flags & RUNNING) == 0) {
                return Optional.empty();
            }
            start = startTime;
            doneAtStart = p.doneAtStart;
        }
        Progress now = p.snapshot();
        if (now.total() == 0) {
            return Optional.empty();
        }
        long left = now.total() - now.done();
        if (left == 0) {
            return Optional.of(Duration.ZERO);
        }
        long gained = now.done() - doneAtStart;
        Duration elapsed = Duration.between(start, clock.instant());
        if (gained <= 0 || elapsed.isNegative() || elapsed.isZero()) {
            return Optional.empty();
        }
        double nanos = (double) saturatedNanos(elapsed) * left / gained;
        return Optional.of(nanos >= Long.MAX_VALUE ? Duration.ofNanos(Long.MAX_VALUE) : Duration.ofNanos(Math.round(nanos)));
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    private RunStateProgress progressCounter() {
        Extras e = extras;
        if (e == null) {
            e = extras();
        }
        RunStateProgress p = e.progress;
        if (p != null) {
            return p;
        }
        RunStateProgress made = new RunStateProgress();
        return PROGRESS.compareAndSet(e, null, made) ? made : e.progress;
    }

    /** @return the side object, made now if need be */
    private Extras extras() {
        Extras e = extras;
        if (e != null) {
            return e;
        }
        Extras made = new Extras(null, null);
        return EXTRAS.compareAndSet(this, null, made) ? made : extras;
    }

    // ---------------------------------------------------------------------------- family

    /**
     * Makes a child: a RunState whose cancel follows this one's. Cancelling this RunState cancels
     * the child until the child ends; a child made while this one is cancelled starts cancelled
     * (it is {@code PENDING} and cancelled, and {@link #run} of it will not run its body). The
     * child has this RunState's clock, asks this RunState's cancel poll if it has one, and is
     * listed by {@link #children()} until it ends.
     *
     * @param name the child's name; {@code null} for {@code "RunState-" + id()}
     * @return the new child, not started
     */
    public RunState child(String name) {
        RunState child = new RunState(name, clock, this);
        synchronized (lock) {
            if ((flags & CANCELLED) != 0) {
                child.flags |= CANCELLED; // not yet seen by any other thread: the put below publishes it
            }
            Extras e = extras();
            if (e.children == null) {
                e.children = new WeakHashMap<>();
            }
            e.children.put(child, Boolean.TRUE);
        }
        return child;
    }

    /**
     * A child (re)starts: listed again.
     *
     * @return whether this (the parent) is cancelled
     */
    private boolean attach(RunState child) {
        synchronized (lock) {
            Extras e = extras();
            if (e.children == null) {
                e.children = new WeakHashMap<>();
            }
            e.children.put(child, Boolean.TRUE);
            return (flags & CANCELLED) != 0;
        }
    }

    /** A child ended: forgotten. */
    private void detach(RunState child) {
        synchronized (lock) {
            Extras e = extras;
            if (e != null && e.children != null) {
                e.children.remove(child);
            }
        }
    }

    /** @return the children that have not ended, or null for none; called holding {@link #lock} */
    private RunState[] liveChildren() {
        Extras e = extras;
        if (e == null || e.children == null || e.children.isEmpty()) {
            return null;
        }
        return e.children.keySet().toArray(new RunState[0]);
    }

    /**
     * @return the RunState this one is a {@link #child(String) child} of; empty for a RunState made
     *     otherwise, and for a child that has ended if its parent is no longer reachable from
     *     anywhere else (an ended child does not keep its parent alive)
     */
    public Optional<RunState> parent() {
        Extras e = extras;
        if (e == null || e.parent == null) {
            return Optional.empty();
        }
        RunState live = e.liveParent;
        return Optional.ofNullable(live != null ? live : e.parent.get());
    }

    /**
     * @return the children that have not ended (pending or running), by id; children nobody
     *     references any more are forgotten even if they never ran
     */
    public List<RunState> children() {
        RunState[] kids;
        synchronized (lock) {
            kids = liveChildren();
        }
        if (kids == null) {
            return List.of();
        }
        List<RunState> list = new ArrayList<>(List.of(kids));
        list.sort(Comparator.comparingLong(RunState::id));
        return List.copyOf(list);
    }

    // ---------------------------------------------------------------------------- iteration

    /**
     * Iterates over {@code items} until this RunState is cancelled: each {@code hasNext()} first
     * waits out a pause (an interrupt ends that wait, with the flag set again), then answers
     * {@code false} once {@link #isCancelled()}, without asking {@code items} for more.
     *
     * @param <E> the element type
     * @param items what to iterate over
     * @return a view of {@code items}; each {@code iterator()} starts a new iteration of them
     * @throws NullPointerException if {@code items} is null
     */
    public <E> Iterable<E> untilCancelled(Iterable<E> items) {
        Objects.requireNonNull(items, "items");
        return () -> new Iterator<>() {
            private final Iterator<E> it = items.iterator();

            @Override
            public boolean hasNext() {
                return !cancelledAfterPause() && it.hasNext();
            }

            @Override
            public E next() {
                if (!hasNext()) {
                    throw new NoSuchElementException(RunState.this + ": no more items (cancelled or done)");
                }
                return it.next();
            }

            @Override
            public void remove() {
                it.remove();
            }
        };
    }

    /**
     * A stream of {@code items} that ends once this RunState is cancelled: before each element it
     * waits out a pause (as {@link #untilCancelled(Iterable)}) and checks {@link #isCancelled()},
     * so no element is taken from {@code items} after the cancel is seen. Lazy, as streams are;
     * closing it closes {@code items}.
     *
     * @param <E> the element type
     * @param items the stream to take elements from; consumed by the returned one
     * @return the stream
     * @throws NullPointerException if {@code items} is null
     */
    public <E> Stream<E> untilCancelled(Stream<E> items) {
        Objects.requireNonNull(items, "items");
        return StreamSupport.stream(new UntilCancelled<>(items.spliterator()), items.isParallel()).onClose(items::close);
    }

    /** Waits out a pause (interrupt: stops waiting, flag set again), then isCancelled(). */
    private boolean cancelledAfterPause() {
        if ((flags & PAUSED) != 0) {
            try {
                waitWhilePaused();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return isCancelled();
    }

    /** A spliterator that stops before each element once the RunState is cancelled. */
    private final class UntilCancelled<E> implements Spliterator<E> {
        private final Spliterator<E> source;

        UntilCancelled(Spliterator<E> source) {
            this.source = source;
        }

        @Override
        public boolean tryAdvance(Consumer<? super E> action) {
            return !cancelledAfterPause() && source.tryAdvance(action);
        }

        @Override
        public Spliterator<E> trySplit() {
            Spliterator<E> split = source.trySplit();
            return split == null ? null : new UntilCancelled<>(split);
        }

        @Override
        public long estimateSize() {
            return source.estimateSize();
        }

        @Override
        public int characteristics() {
            return source.characteristics() & ~(SIZED | SUBSIZED);
        }

        @Override
        public Comparator<? super E> getComparator() {
            return source.getComparator();
        }
    }

    // ----------------------------------------------------------------------------------- queries

    /**
     * Whether cancellation was requested. Without a cancel poll this is one volatile read, for
     * tight polling loops; with one (its own or an ancestor's) it also asks the poll while not
     * cancelled (see {@link #RunState(String, BooleanSupplier)}).
     *
     * @return whether the RunState is cancelled
     */
    public boolean isCancelled() {
        int f = flags;
        if ((f & CANCELLED) != 0) {
            return true;
        }
        return (f & POLLED) != 0 && askPoll();
    }

    /** Asks the poll (ours, or our parent's isCancelled()), outside any lock. */
    private boolean askPoll() {
        Extras e = extras;
        boolean cancel;
        if (e.poll != null) {
            cancel = e.poll.getAsBoolean();
        } else {
            RunState parent = e.liveParent;
            if (parent == null) {
                parent = e.parent.get();
            }
            cancel = parent != null && parent.isCancelled();
        }
        if (cancel) {
            cancelFromPoll();
            return true;
        }
        return (flags & CANCELLED) != 0;
    }

    /** @return whether the task is running (paused or not) */
    public boolean isRunning() {
        return (flags & RUNNING) != 0;
    }

    /** @return running and cancelled: asked to stop, not stopped yet (the flags only: the poll is not asked) */
    public boolean isStopping() {
        return (flags & (RUNNING | CANCELLED)) == (RUNNING | CANCELLED);
    }

    /** @return not running and cancelled (the Python library's definition of "stopped"; the poll is not asked) */
    public boolean isStopped() {
        return (flags & (RUNNING | CANCELLED)) == CANCELLED;
    }

    /** @return the state, from one consistent read of the flags (the poll is not asked) */
    public State state() {
        int f = flags;
        if ((f & STARTED) == 0) {
            return State.PENDING;
        }
        boolean running = (f & RUNNING) != 0;
        boolean cancelled = (f & CANCELLED) != 0;
        if (running) {
            return cancelled ? State.STOPPING : (f & PAUSED) != 0 ? State.PAUSED : State.RUNNING;
        }
        return cancelled ? State.CANCELLED : State.STOPPED;
    }

    /**
     * @return what the body of the last {@link #run}/{@link #call} threw (also a
     *     {@link CancellationException} it threw); empty if it returned, if that run did not run
     *     its body (cancelled first), or before any run
     */
    public Optional<Throwable> failure() {
        Extras e = extras;
        return e == null ? Optional.empty() : Optional.ofNullable(e.failure);
    }

    /** @return when the task last started; empty if it never did */
    public Optional<Instant> startTime() {
        synchronized (lock) {
            return Optional.ofNullable(startTime);
        }
    }

    /** @return when the task last stopped; empty if it never did */
    public Optional<Instant> stopTime() {
        synchronized (lock) {
            return Optional.ofNullable(stopTime);
        }
    }

    /**
     * @return zero before a start; while running, the time since the start; after a stop, the
     *     length of the last run (never negative, even if the clock went back)
     */
    public Duration runTime() {
        Instant start;
        Instant stop;
        boolean running;
        synchronized (lock) {
            start = startTime;
            stop = stopTime;
            running = isRunning();
        }
        if (start == null) {
            return Duration.ZERO;
        }
        return nonNegative(Duration.between(start, running ? clock.instant() : stop));
    }

    /** @return the sum of the lengths of the completed runs (a run in progress is not included) */
    public Duration totalTime() {
        synchronized (lock) {
            return totalTime;
        }
    }

    // --------------------------------------------------------------------------------- listeners

    /**
     * @param listener called with this RunState each time it goes from not running to running
     * @return removes the listener when closed
     */
    public Registration onStart(Consumer<? super RunState> listener) {
        return register(START, listener);
    }

    /**
     * @param listener called with this RunState each time it goes from running to not running
     * @return removes the listener when closed
     */
    public Registration onEnd(Consumer<? super RunState> listener) {
        return register(END, listener);
    }

    /**
     * @param listener called with this RunState on every {@link #cancel()}, and once when the
     *     cancel poll cancels it
     * @return removes the listener when closed
     */
    public Registration onCancel(Consumer<? super RunState> listener) {
        return register(CANCEL, listener);
    }

    private Registration register(int kind, Consumer<? super RunState> listener) {
        Listener l = new Listener(Objects.requireNonNull(listener, "listener"));
        CopyOnWriteArrayList<Listener> list;
        synchronized (lock) {
            list = switch (kind) {
                case START -> startListeners != null ? startListeners : (startListeners = new CopyOnWriteArrayList<>());
                case END -> endListeners != null ? endListeners : (endListeners = new CopyOnWriteArrayList<>());
                default -> cancelListeners != null ? cancelListeners : (cancelListeners = new CopyOnWriteArrayList<>());
            };
        }
        list.add(l);
        return () -> list.remove(l);
    }

    private void notify(CopyOnWriteArrayList<Listener> list) {
        Error error = listen(list);
        if (error != null) {
            throw error;
        }
    }

    /** Calls the listeners; @return the first Error one threw (others suppressed in it), or null */
    private Error listen(CopyOnWriteArrayList<Listener> list) {
        if (list == null || list.isEmpty()) {
            return null;
        }
        Error error = null;
        for (Listener l : list) {
            try {
                l.consumer.accept(this);
            } catch (Error e) {
                error = merge(error, e);
            } catch (Throwable t) {
                LOG.log(Level.WARNING, "listener " + describe(l.consumer) + " of " + this + " threw", t);
            }
        }
        return error;
    }

    private static Error merge(Error first, Error next) {
        if (first == null) {
            return next;
        }
        if (next != null && next != first) {
            first.addSuppressed(next);
        }
        return first;
    }

    /** @return the listener's toString, or its class name if that throws (the warning must get out) */
    private static String describe(Object listener) {
        try {
            return String.valueOf(listener);
        } catch (RuntimeException e) {
            return listener.getClass().getName();
        }
    }

    /** One registration: removal is by identity, so a consumer registered twice is two entries. */
    private static final class Listener {
        final Consumer<? super RunState> consumer;

        Listener(Consumer<? super RunState> consumer) {
            this.consumer = consumer;
        }
    }

    private static Duration nonNegative(Duration d) {
        return d.isNegative() ? Duration.ZERO : d;
    }

    /** @return the name, id and state, e.g. {@code RunState[indexer#7 RUNNING]} */
    @Override
    public String toString() {
        return "RunState[" + name + "#" + id + " " + state() + "]";
    }
}
