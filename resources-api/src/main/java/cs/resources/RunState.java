package cs.resources;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A running task whose cancellation may be requested (the Python library's {@code RunState}). The
 * task says it has started ({@link #start()}) and stopped ({@link #stop()}); anyone may ask it to
 * stop ({@link #cancel()}), and the task polls {@link #isCancelled()}:
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
 * {@code CANCELLED} (not running, cancelled) and {@code STOPPED} (not running, not cancelled).
 * Note that {@link #isStopped()} follows the Python library: not running <em>and cancelled</em>,
 * so it is true for {@code CANCELLED} (and for a state cancelled before it ever started), false for
 * {@code STOPPED}.
 *
 * <h2>Listeners</h2>
 * {@link #onStart}, {@link #onEnd} and {@link #onCancel} listeners are called with this RunState,
 * in the thread that made the change, after the change, outside any lock, in registration order. A
 * listener that throws neither stops the others nor undoes the change: its exception is logged as
 * a warning through {@link System.Logger}; an {@link Error} is rethrown after the other listeners
 * have run.
 *
 * <h2>Concurrency</h2>
 * Thread-safe. The flags live in one volatile {@code int}, so {@link #isCancelled()} is a single
 * volatile read; every change to the flags and to the times is made holding a private monitor,
 * which {@link #sleep(Duration)} also waits on. Listener lists are copy-on-write, each made when its
 * first listener registers (a RunState without listeners carries none).
 */
public class RunState implements AutoCloseable {

    /** What a RunState is doing, from its two flags and whether it ever started. */
    public enum State {
        /** Never started (even if cancelled). */
        PENDING,
        /** Running, not cancelled. */
        RUNNING,
        /** Running and cancelled: asked to stop, not stopped yet. */
        STOPPING,
        /** Not running, and cancelled. */
        CANCELLED,
        /** Not running, not cancelled. */
        STOPPED
    }

    private static final System.Logger LOG = System.getLogger(RunState.class.getName());
    private static final AtomicLong IDS = new AtomicLong();

    private static final int RUNNING = 1;
    private static final int CANCELLED = 2;
    private static final int STARTED = 4;

    private final long id = IDS.incrementAndGet();
    private final String name;
    private final Clock clock;

    /** RUNNING | CANCELLED | STARTED bits; written holding {@link #lock}, read without it. */
    private volatile int flags;

    /** Guards the times below and every write of {@link #flags}; {@link #sleep} waits on it. */
    private final Object lock = new Object();
    private Instant startTime;
    private Instant stopTime;
    private Duration totalTime = Duration.ZERO;

    /** The listener lists, by kind ({@link #START}, {@link #END}, {@link #CANCEL}); each made on first registration, holding {@link #lock}. */
    private volatile CopyOnWriteArrayList<Listener> startListeners;
    private volatile CopyOnWriteArrayList<Listener> endListeners;
    private volatile CopyOnWriteArrayList<Listener> cancelListeners;
    private static final int START = 0;
    private static final int END = 1;
    private static final int CANCEL = 2;

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

    /** @return an id unique among the RunStates of this JVM (class loader) */
    public long id() {
        return id;
    }

    /** @return this RunState's name */
    public String name() {
        return name;
    }

    // ----------------------------------------------------------------------------------- control

    /**
     * Marks the task running and clears cancelled. On a state that is not running this stamps the
     * start time and calls the start listeners; on a running one it only clears cancelled.
     *
     * @return this RunState
     */
    public RunState start() {
        boolean started;
        synchronized (lock) {
            int f = flags;
            started = (f & RUNNING) == 0;
            if (started) {
                startTime = clock.instant();
            }
            flags = (f | RUNNING | STARTED) & ~CANCELLED;
        }
        if (started) {
            notify(startListeners);
        }
        return this;
    }

    /**
     * Asks the task to stop: sets cancelled and wakes {@link #sleep} callers. The cancel listeners
     * run on every call, also before a start.
     */
    public void cancel() {
        synchronized (lock) {
            flags |= CANCELLED;
            lock.notifyAll();
        }
        notify(cancelListeners);
    }

    /**
     * Marks the task stopped: clears running, stamps the stop time, adds the run to
     * {@link #totalTime()} and calls the end listeners. Does nothing when not running.
     */
    public void stop() {
        boolean stopped;
        synchronized (lock) {
            int f = flags;
            stopped = (f & RUNNING) != 0;
            if (stopped) {
                stopTime = clock.instant();
                totalTime = totalTime.plus(nonNegative(Duration.between(startTime, stopTime)));
                flags = f & ~RUNNING;
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
            return;
        }
        boolean started;
        synchronized (lock) {
            int f = flags;
            started = (f & RUNNING) == 0;
            if (started) {
                startTime = clock.instant();
                flags = f | RUNNING | STARTED;
            }
        }
        if (started) {
            notify(startListeners);
        }
    }

    /**
     * Runs {@code body} as this task: starts, runs the body, cancels if it threw, then stops. The
     * body's exception propagates.
     *
     * @param body the work
     * @throws NullPointerException if {@code body} is null (nothing changes)
     */
    public void run(Runnable body) {
        Objects.requireNonNull(body, "body");
        try {
            start(); // inside: if a start listener throws an Error, the run still ends stopped
            body.run();
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
     * @throws Exception what the body threw
     * @throws NullPointerException if {@code body} is null (nothing changes)
     */
    public <T> T call(Callable<T> body) throws Exception {
        Objects.requireNonNull(body, "body");
        try {
            start(); // inside: if a start listener throws an Error, the run still ends stopped
            return body.call();
        } catch (Throwable t) {
            cancel();
            throw t;
        } finally {
            stop();
        }
    }

    /**
     * For workers: throws if cancellation was requested.
     *
     * @throws CancellationException if {@link #isCancelled()}; the message names this RunState
     */
    public void raiseIfCancelled() {
        if (isCancelled()) {
            throw new CancellationException(this + " was cancelled");
        }
    }

    /**
     * Sleeps for {@code duration}, waking early when this RunState is cancelled.
     *
     * @param duration how long to sleep; zero only checks
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
        long nanos;
        try {
            nanos = duration.toNanos();
        } catch (ArithmeticException e) {
            nanos = Long.MAX_VALUE;
        }
        long deadline = System.nanoTime() + nanos;
        synchronized (lock) {
            for (;;) {
                if (Thread.interrupted()) {
                    throw new InterruptedException("sleep of " + this + " interrupted");
                }
                if (isCancelled()) {
                    return false;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return true;
                }
                lock.wait(left / 1_000_000L, (int) (left % 1_000_000L));
            }
        }
    }

    // ----------------------------------------------------------------------------------- queries

    /** @return whether cancellation was requested; one volatile read, for tight polling loops */
    public boolean isCancelled() {
        return (flags & CANCELLED) != 0;
    }

    /** @return whether the task is running */
    public boolean isRunning() {
        return (flags & RUNNING) != 0;
    }

    /** @return running and cancelled: asked to stop, not stopped yet */
    public boolean isStopping() {
        return (flags & (RUNNING | CANCELLED)) == (RUNNING | CANCELLED);
    }

    /** @return not running and cancelled (the Python library's definition of "stopped") */
    public boolean isStopped() {
        return (flags & (RUNNING | CANCELLED)) == CANCELLED;
    }

    /** @return the state, from one consistent read of the flags */
    public State state() {
        int f = flags;
        if ((f & STARTED) == 0) {
            return State.PENDING;
        }
        boolean running = (f & RUNNING) != 0;
        boolean cancelled = (f & CANCELLED) != 0;
        if (running) {
            return cancelled ? State.STOPPING : State.RUNNING;
        }
        return cancelled ? State.CANCELLED : State.STOPPED;
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
     * @param listener called with this RunState on every {@link #cancel()}
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
        if (list == null || list.isEmpty()) {
            return;
        }
        Error error = null;
        for (Listener l : list) {
            try {
                l.consumer.accept(this);
            } catch (Error e) {
                if (error == null) {
                    error = e;
                } else if (error != e) {
                    error.addSuppressed(e);
                }
            } catch (Throwable t) {
                LOG.log(Level.WARNING, "listener " + describe(l.consumer) + " of " + this + " threw", t);
            }
        }
        if (error != null) {
            throw error;
        }
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
