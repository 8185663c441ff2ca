package cs.resources;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.stream.Stream;

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
 * <h2>One body at a time</h2>
 * {@link #run} and {@link #call} run one body at a time: while the body of one of them runs, in
 * any thread, another {@code run} or {@code call} of the same RunState throws
 * {@link IllegalStateException} and changes nothing (nested work belongs to a {@link #child}).
 *
 * <h2>Concurrency</h2>
 * Thread-safe. {@link #isCancelled()} of a RunState without a cancel poll is a single volatile
 * read and one test of a mask; progress updates are compare-and-sets without a lock; the other
 * changes take a private monitor, never held while code other than this class's runs (listeners,
 * the cancel poll, {@code toString()} of anything). Waits ({@code sleep}, {@code waitWhilePaused})
 * wait on that monitor.
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

    private static final AtomicLong IDS = new AtomicLong();
    /** The RunState whose run/call body runs in this thread; set and restored around each body. */
    private static final ThreadLocal<RunState> CURRENT = new ThreadLocal<>();

    // The flags, one volatile int (docs/design.md, section 5).
    static final int RUNNING = 1;
    static final int CANCELLED = 2;
    static final int STARTED = 4;
    static final int PAUSED = 8;
    /** isCancelled() must ask a poll: this RunState's own, or (for a child) its parent's. */
    static final int POLLED = 16;
    /** The poll said true: the cancel stays, start() does not clear it. */
    static final int STUCK = 32;
    /** The body of a run/call is running: no other may start. */
    static final int BODY = 64;

    /** What {@link #begin} did. */
    private static final int BUSY = -1;
    private static final int WAS_RUNNING = 0;
    private static final int STARTED_NOW = 1;

    private static final VarHandle EXTRAS;

    static {
        try {
            EXTRAS = MethodHandles.lookup().findVarHandle(RunState.class, "extras", RunStateExtras.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long id = IDS.incrementAndGet();
    private final String name;
    private final Clock clock;

    /** The bits above; written holding {@link #lock}, read without it. */
    volatile int flags;

    /** Guards the times below, every write of {@link #flags} and the family links of {@link #extras}; waits wait on it. */
    final Object lock = new Object();
    private Instant startTime;
    private Instant stopTime;
    private Duration totalTime = Duration.ZERO;

    /** Made on the first registration of a listener, holding {@link #lock}. */
    private volatile RunStateListeners listeners;

    /** What few RunStates need (a poll, a parent, children, progress, a failure), made when first needed. */
    volatile RunStateExtras extras;

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
        extras = new RunStateExtras(Objects.requireNonNull(cancelPoll, "cancelPoll"), null);
        flags = POLLED;
    }

    /** A child of {@code parent}, with its clock, not yet known to it ({@link RunStateFamily#child}). */
    RunState(String name, RunState parent) {
        this(name, parent.clock);
        extras = new RunStateExtras(null, parent);
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
        if (begin(true, false) == STARTED_NOW) {
            RunStateListeners.rethrow(fire(RunStateListeners.START));
        }
        return this;
    }

    /**
     * Sets running, with {@code clearCancel} clearing cancelled as {@link #start()} says, and with
     * {@code claimBody} claiming the one body of a run/call.
     *
     * @return {@link #BUSY} if {@code claimBody} and another body runs (nothing changed);
     *     {@link #STARTED_NOW} if it was not running (the caller calls the start listeners);
     *     {@link #WAS_RUNNING} otherwise
     */
    private int begin(boolean clearCancel, boolean claimBody) {
        // The clock is read before the lock (it may be the caller's code), and only if a start may
        // be needed; a stop that comes in between sends us round again for a fresh reading.
        Instant now = null;
        for (;;) {
            if (now == null && (flags & RUNNING) == 0) {
                now = clock.instant();
            }
            synchronized (lock) {
                int f = flags;
                if (claimBody && (f & BODY) != 0) {
                    return BUSY;
                }
                boolean started = (f & RUNNING) == 0;
                if (started && now == null) {
                    continue;
                }
                RunStateExtras e = extras;
                boolean parentCancelled = false;
                if (e != null) {
                    RunStateProgress p = e.progress;
                    if (started && p != null) {
                        p.doneAtStart = p.done();
                    }
                    if (claimBody) {
                        e.failure = null; // a new body: the last one's failure is forgotten
                    }
                    if (e.parent != null) {
                        parentCancelled = RunStateFamily.starting(this, e, started);
                    }
                }
                if (started) {
                    startTime = now;
                }
                int clear = clearCancel && (f & STUCK) == 0 && !parentCancelled ? CANCELLED : 0;
                if (clear != 0 && e != null) {
                    e.cancelReason = null; // the cancel it gave the reason for is cleared
                }
                int set = RUNNING | STARTED | (claimBody ? BODY : 0) | (parentCancelled ? CANCELLED : 0);
                flags = (f & ~clear) | set;
                return started ? STARTED_NOW : WAS_RUNNING;
            }
        }
    }

    /**
     * Asks the task to stop: sets cancelled, clears a pause, wakes every {@link #sleep} and
     * {@link #waitWhilePaused} caller, and cancels the children that have not ended. Then the
     * cancel listeners run, on every call, also before a start (the children's first, then this
     * RunState's).
     */
    public void cancel() {
        cancel((String) null);
    }

    /**
     * As {@link #cancel()}, saying why: the reason is kept as {@link #cancelReason()} (if no
     * earlier cancel since the last start gave one) and handed to the children this cancels.
     * Tools show it (the runtime's listing, the task service's outcome and events).
     *
     * @param reason why, for people (may hold any character: escape it to print it); null for
     *     none, which is {@link #cancel()}
     */
    public void cancel(String reason) {
        RunStateExtras e = reason != null ? extras() : null;
        RunState[] kids;
        synchronized (lock) {
            int f = flags;
            flags = (f | CANCELLED) & ~PAUSED;
            if (e != null && e.cancelReason == null) {
                e.cancelReason = reason;
            }
            kids = RunStateFamily.liveChildren(this);
            lock.notifyAll();
        }
        Error error = RunStateFamily.cancelAll(kids, reason);
        RunStateListeners.rethrow(RunStateListeners.merge(error, fire(RunStateListeners.CANCEL)));
    }

    /**
     * @return why this RunState was cancelled: the reason the first {@link #cancel(String)} since
     *     the last start that cleared the cancel gave (a parent's cancel hands its reason to its
     *     children); empty while not cancelled, or when no cancel gave one
     */
    public Optional<String> cancelReason() {
        RunStateExtras e = extras;
        if (e == null || (flags & CANCELLED) == 0) {
            return Optional.empty();
        }
        return Optional.ofNullable(e.cancelReason);
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
            kids = RunStateFamily.liveChildren(this);
            lock.notifyAll();
        }
        Error error = RunStateFamily.cancelAll(kids, null);
        RunStateListeners.rethrow(RunStateListeners.merge(error, fire(RunStateListeners.CANCEL)));
    }

    /**
     * Marks the task stopped: clears running and a pause (waking those waiting it out), stamps the
     * stop time, adds the run to {@link #totalTime()}, lets a parent forget this child, and calls
     * the end listeners. Does nothing when not running. It does not end the body of a
     * {@link #run}/{@link #call} that is running: that body still counts as running until it
     * returns.
     */
    public void stop() {
        halt(false);
    }

    /**
     * Stops if running, as {@link #stop()} says; with {@code releaseBody}, also ends the body of a
     * run/call, in the same step (so that the end listeners may already run another body).
     */
    private void halt(boolean releaseBody) {
        Instant now = null; // read before the lock: the clock may be the caller's code
        boolean stopped;
        for (;;) {
            int seen = flags;
            if ((seen & RUNNING) == 0 && !releaseBody) {
                return;
            }
            if (now == null && (seen & RUNNING) != 0) {
                now = clock.instant();
            }
            synchronized (lock) {
                int f = flags;
                stopped = (f & RUNNING) != 0;
                if (stopped && now == null) {
                    continue; // started meanwhile: read the clock, outside the lock
                }
                int next = releaseBody ? f & ~BODY : f;
                if (stopped) {
                    stopTime = now;
                    totalTime = totalTime.plus(nonNegative(Duration.between(startTime, stopTime)));
                    next &= ~(RUNNING | PAUSED);
                    if ((f & PAUSED) != 0) {
                        lock.notifyAll();
                    }
                    RunStateExtras e = extras;
                    if (e != null && e.parent != null) {
                        RunStateFamily.stopping(this, e);
                    }
                }
                if (next != f) {
                    flags = next;
                }
                break;
            }
        }
        if (stopped) {
            RunStateListeners.rethrow(fire(RunStateListeners.END));
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
        } else if (begin(false, false) == STARTED_NOW) {
            RunStateListeners.rethrow(fire(RunStateListeners.START));
        }
    }

    // ------------------------------------------------------------------------------- run, call

    /**
     * Runs {@code body} as this task: starts (leaving a cancel as it is, unlike {@link #start()}),
     * runs the body unless the RunState is cancelled by then, cancels if the body threw, then
     * stops. While the body runs this RunState is {@link #current()} in this thread. The body's
     * exception propagates and is kept as {@link #failure()}.
     *
     * <p>A RunState runs one body at a time: while the body of a {@code run} or {@code call} of it
     * runs, in any thread (also this one: nested work belongs to a {@link #child}), {@code run}
     * throws {@link IllegalStateException} and changes nothing, whether the RunState is cancelled
     * or not. Otherwise, a RunState cancelled before the body could run (by an earlier
     * {@code cancel()}, its parent, or its cancel poll) is started and stopped without running it:
     * the start and end listeners run, it ends {@code CANCELLED}, and {@code run} returns
     * normally.
     *
     * @param body the work
     * @throws IllegalStateException if the body of another {@code run}/{@code call} of this
     *     RunState is running (nothing changes; the message names this RunState)
     * @throws NullPointerException if {@code body} is null (nothing changes)
     */
    public void run(Runnable body) {
        Objects.requireNonNull(body, "body");
        if (enter("run()")) {
            execute(() -> {
                body.run();
                return null;
            });
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
     * @throws IllegalStateException if the body of another {@code run}/{@code call} of this
     *     RunState is running (nothing changes; the message names this RunState)
     * @throws Exception what the body threw
     * @throws NullPointerException if {@code body} is null (nothing changes)
     */
    public <T> T call(Callable<T> body) throws Exception {
        Objects.requireNonNull(body, "body");
        if (!enter("call()")) {
            throw new CancellationException("call() on " + this + ": cancelled before its body ran");
        }
        return execute(body::call);
    }

    /** The body of a run or a call. */
    @FunctionalInterface
    private interface Body<T, X extends Exception> {
        T run() throws X;
    }

    /**
     * Claims the body and starts for run/call, forgetting the last failure.
     *
     * @param what {@code "run()"} or {@code "call()"}, for the message
     * @return true if the body may run; false if the RunState is cancelled, in which case it has
     *     been started and stopped
     * @throws IllegalStateException if another body runs (nothing changed)
     */
    private boolean enter(String what) {
        int began = begin(false, true);
        if (began == BUSY) {
            throw new IllegalStateException(what + " of " + this + ": the body of another run()/call() of it is running"
                    + " (one body at a time; nested work belongs to a child())");
        }
        try {
            if (began == STARTED_NOW) {
                RunStateListeners.rethrow(fire(RunStateListeners.START));
            }
            if (!isCancelled()) {
                return true;
            }
        } catch (Throwable t) {
            try {
                cancel();
            } finally {
                halt(true);
            }
            throw t;
        }
        halt(true);
        return false;
    }

    /** Runs a claimed body (see {@link #run}): current, failure, cancel if it threw, stop. */
    private <T, X extends Exception> T execute(Body<T, X> body) throws X {
        try {
            RunState outer = CURRENT.get();
            CURRENT.set(this);
            try {
                return body.run();
            } catch (Throwable t) {
                extras().failure = t;
                throw t;
            } finally {
                restoreCurrent(outer);
            }
        } catch (Throwable t) {
            cancel();
            throw t;
        } finally {
            halt(true);
        }
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

    // ------------------------------------------------------------------------------ waits

    /**
     * For workers: waits out a pause (see {@link #waitWhilePaused()}), then throws if cancellation
     * was requested. An interrupt ends the wait for the pause early, with the interrupt flag set
     * again for the caller to see.
     *
     * @throws CancellationException if {@link #isCancelled()}; the message names this RunState
     */
    public void raiseIfCancelled() {
        if (RunStateWaits.cancelledAfterPause(this)) {
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
        return RunStateWaits.sleep(this, duration);
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
        RunStateWaits.waitWhilePaused(this);
    }

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
        return RunStateWaits.untilCancelled(this, items);
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
        return RunStateWaits.untilCancelled(this, items);
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

    // --------------------------------------------------------------------------------- progress

    /**
     * @param total how many units the task has to do; 0 for unknown
     * @throws IllegalArgumentException if {@code total} is negative, or known and below the done
     *     count (nothing changes)
     */
    public void setTotal(long total) {
        extras().progress().setTotal(total, this);
    }

    /**
     * Adds {@code n} to the done count: one compare-and-set, no lock, no allocation.
     *
     * @param n units just done; 0 does nothing
     * @throws IllegalArgumentException if {@code n} is negative, or the count would go above a
     *     known total or overflow (nothing changes)
     */
    public void advance(long n) {
        extras().progress().advance(n, this);
    }

    /**
     * @param done the done count
     * @throws IllegalArgumentException if {@code done} is negative, or above a known total
     *     (nothing changes)
     */
    public void setDone(long done) {
        extras().progress().setDone(done, this);
    }

    /**
     * @param message what the task is doing now, for those watching; {@code ""} for nothing
     * @throws NullPointerException if {@code message} is null (nothing changes)
     */
    public void setMessage(String message) {
        Objects.requireNonNull(message, "message");
        extras().progress().setMessage(message);
    }

    /**
     * @return the done count, the total and the message, the count and the total from one moment
     *     ({@code done <= total} when the total is known); {@code (0, 0, "")} before any progress
     *     call
     */
    public Progress progress() {
        RunStateExtras e = extras;
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
        RunStateExtras e = extras;
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
        return p.eta(start, doneAtStart, clock);
    }

    /** @return the side object, made now if need be */
    RunStateExtras extras() {
        RunStateExtras e = extras;
        if (e != null) {
            return e;
        }
        RunStateExtras made = new RunStateExtras(null, null);
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
        return RunStateFamily.child(this, name);
    }

    /**
     * @return the RunState this one is a {@link #child(String) child} of; empty for a RunState made
     *     otherwise, and for a child that has ended if its parent is no longer reachable from
     *     anywhere else (an ended child does not keep its parent alive)
     */
    public Optional<RunState> parent() {
        return RunStateFamily.parent(this);
    }

    /**
     * @return the children that have not ended (pending or running), by id; children nobody
     *     references any more are forgotten even if they never ran
     */
    public List<RunState> children() {
        return RunStateFamily.children(this);
    }

    // ----------------------------------------------------------------------------------- queries

    /**
     * Whether cancellation was requested. Without a cancel poll this is one volatile read and one
     * test of a mask, for tight polling loops; with one (its own or an ancestor's) it also asks the
     * poll while not cancelled (see {@link #RunState(String, BooleanSupplier)}).
     *
     * @return whether the RunState is cancelled
     */
    public boolean isCancelled() {
        int f = flags;
        if ((f & (CANCELLED | POLLED)) == 0) {
            return false;
        }
        return (f & CANCELLED) != 0 || askPoll();
    }

    /** Asks the poll (ours, or our parent's isCancelled()), outside any lock. */
    private boolean askPoll() {
        RunStateExtras e = extras;
        boolean cancel = e.poll != null ? e.poll.getAsBoolean() : RunStateFamily.parentCancelled(e);
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
        RunStateExtras e = extras;
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

    private static Duration nonNegative(Duration d) {
        return d.isNegative() ? Duration.ZERO : d;
    }

    // --------------------------------------------------------------------------------- listeners

    /**
     * @param listener called with this RunState each time it goes from not running to running
     * @return removes the listener when closed
     */
    public Registration onStart(Consumer<? super RunState> listener) {
        return listeners().add(RunStateListeners.START, listener);
    }

    /**
     * @param listener called with this RunState each time it goes from running to not running
     * @return removes the listener when closed
     */
    public Registration onEnd(Consumer<? super RunState> listener) {
        return listeners().add(RunStateListeners.END, listener);
    }

    /**
     * @param listener called with this RunState on every {@link #cancel()}, and once when the
     *     cancel poll cancels it
     * @return removes the listener when closed
     */
    public Registration onCancel(Consumer<? super RunState> listener) {
        return listeners().add(RunStateListeners.CANCEL, listener);
    }

    private RunStateListeners listeners() {
        RunStateListeners l = listeners;
        if (l != null) {
            return l;
        }
        synchronized (lock) {
            if (listeners == null) {
                listeners = new RunStateListeners();
            }
            return listeners;
        }
    }

    /** Calls the listeners of one kind; @return the first Error one threw, or null */
    private Error fire(int kind) {
        RunStateListeners l = listeners;
        return l == null ? null : l.fire(kind, this);
    }

    /** @return the name, id and state, e.g. {@code RunState[indexer#7 RUNNING]} */
    @Override
    public String toString() {
        return "RunState[" + name + "#" + id + " " + state() + "]";
    }
}
