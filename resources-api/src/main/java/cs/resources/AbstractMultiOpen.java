package cs.resources;

import java.lang.System.Logger.Level;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The base of a {@link MultiOpen} provider (the Python library's {@code MultiOpenMixin}). A
 * subclass does as little as possible in its constructor and its real setup in {@link #startup()},
 * its teardown in {@link #shutdown()}, or both in {@link #startupShutdown()}; guarded methods call
 * {@link #ensureOpen()} or {@link #ensureNotClosed()}.
 *
 * <pre>{@code
 * class Database extends AbstractMultiOpen {
 *     private Connection connection;
 *     protected void startup() throws SQLException { connection = DriverManager.getConnection(url); }
 *     protected void shutdown() throws SQLException { connection.close(); }
 *     ResultSet query(String sql) throws SQLException {
 *         ensureOpen();
 *         return connection.createStatement().executeQuery(sql);
 *     }
 * }
 * }</pre>
 *
 * <h2>Failures</h2>
 * If startup throws, the open that ran it fails and the count goes back to where it was, together
 * with any opens made inside that startup: the object is not left looking open, a failed first
 * startup does not count as having opened, and the next {@link #open()} runs startup again. The
 * opens of other threads that arrived while that startup ran, and waited for it, fail with it: each
 * gets the same exception (wrapped as below), none of them starts another attempt. An open that
 * arrives after the failure starts a fresh attempt. If shutdown throws, the object still ends closed and
 * {@link #join()} waiters are released. In both cases a checked exception reaches the caller
 * wrapped in a {@link LifecycleException}; anything unchecked reaches it as it was thrown.
 *
 * <h2>Finalisation</h2>
 * After the final shutdown the cycle is <em>finalised</em>, which releases {@link #join()}
 * waiters: at once, or, for an object constructed with {@code finaliseLater}, when
 * {@link #finalise()} is called (or the next open starts a new cycle).
 *
 * <h2>Handles</h2>
 * {@link #acquire()} opens and returns a {@link MultiOpen.Handle} that owns that open. With
 * {@link LeakDetection} on, each handle is tracked by identity: one that becomes unreachable
 * unclosed is reported with the stack that acquired it.
 *
 * <h2>The owner's hold, and retirement</h2>
 * An object whose life has an end, such as a Declarative Services component, is retired by its
 * owner with {@link #retire()} (in {@code @Deactivate}): it then starts no new cycle, and ends the
 * one in progress with its last close. An owner that wants the object up while it has it holds it
 * open with {@link #holdOpen()} (in {@code @Activate}): {@code retire()} releases that hold and
 * no other open.
 *
 * <pre>{@code
 * class Index extends AbstractMultiOpen {   // lazy: its consumers' opens start it
 *     void deactivate() { retire(); }       // the component's @Deactivate
 * }
 * class Cache extends AbstractMultiOpen {   // eager: up while its owner has it
 *     void activate() { holdOpen(); }       // the component's @Activate
 *     void deactivate() { retire(); }       // releases the hold, and nothing else
 * }
 * }</pre>
 *
 * <h2>Concurrency</h2>
 * Thread-safe without a global lock: while the object is open, {@link #open()},
 * {@link #acquire()}, a non-final {@link #close()} and a handle's close are one atomic operation
 * each, take no lock and allocate nothing (but the handle, which the JIT removes when it does not
 * escape). Opening and closing at the edges of a cycle, and the queries of the phase, use a monitor
 * private to this object, which is never held while code of a subclass runs ({@code startup},
 * {@code shutdown}, {@code toString}) or while a stack is walked; {@code docs/design.md} tells
 * the design.
 */
public abstract class AbstractMultiOpen implements MultiOpen {

    private static final System.Logger LOG = System.getLogger(MultiOpen.class.getName());
    private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);

    /** Open: the low half of {@link #opens} is even (but while the final close makes it odd). */
    private static final int OPEN = 1;
    /** Never opened, or the first startup failed. */
    private static final int NEW = 0;
    /** Opened before, count 0, shutdown done. */
    private static final int CLOSED = -1;
    /** A startup runs, in {@link #startup}'s thread. */
    private static final int STARTING = -2;
    /** A final shutdown runs in {@link #transitionThread}. */
    private static final int STOPPING = -3;

    private static final int HOLD_NONE = 0;
    private static final int HOLD_OPENING = 1;
    private static final int HOLD_HELD = 2;
    private static final int HOLD_DONE = 3;

    /** The most opens at once: twice it, plus the overshoot of concurrent opens, stays far from overflow. */
    private static final int MAX_OPENS = (1 << 29) - 1;
    /** One open held by a handle, in the high half of {@link #opens}. */
    private static final long HANDLE = 1L << 32;

    private static final VarHandle OPENS;

    static {
        try {
            OPENS = MethodHandles.lookup().findVarHandle(AbstractMultiOpen.class, "opens", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * The count. Low 32 bits: even and above 0, twice the open count of an open object; odd, not
     * open. High 32 bits, while open: how many of the opens handles own. Open and acquire add to it
     * atomically (2, or {@link #HANDLE} + 2) and closes subtract by compare-and-set, without a lock;
     * it is made odd (by the final close) and even again (by a successful startup, which also sets
     * the high half) holding {@link #lock}. A failed fast open adds to an odd value, which keeps it
     * odd; the high half means nothing then.
     */
    private volatile long opens = 1;

    /** The phase; written holding {@link #lock}, read without it by the queries. */
    private volatile int state = NEW;

    /** Guards every field below and the phase changes of {@link #state}; waiters wait on it. */
    private final Object lock = new Object();

    private final boolean finaliseLater;

    /** The startup running (STARTING); else null. Guarded by lock. */
    private Startup startup;
    /** The thread running the final shutdown (STOPPING); else null. Guarded by lock. */
    private Thread transitionThread;
    /** The phase to go back to if the running startup fails (NEW or CLOSED). Guarded by lock. */
    private int stateBeforeStartup;
    /** Whether the last cycle has been finalised (true while NEW). Guarded by lock. */
    private boolean finalised = true;
    /** Counts the moments the object settled idle and finalised; joiners wait for a change. Guarded by lock. */
    private long settledEpoch;
    /** What the current cycle's startup returned, to run at its shutdown. Guarded by lock. */
    private AutoCloseable shutdownAction;
    /** Where the final close of the last cycle came from, for the extra-close warning. Guarded by lock. */
    private String finalCloseFrom;
    /** Set by {@link #retire()}: no new cycle may start. Guarded by lock. */
    private boolean retired;
    /**
     * The owner's hold: {@link #HOLD_NONE}, {@link #HOLD_OPENING} (a {@link #holdOpen()} is
     * opening, in {@link #holdThread}), {@link #HOLD_HELD} (counted, not yet released) or
     * {@link #HOLD_DONE} (released by {@link #retire()}). Guarded by lock.
     */
    private int hold = HOLD_NONE;
    private Thread holdThread;
    /** What {@link LeakDetection} recorded for the hold; null if nothing. Guarded by lock. */
    private LeakDetection.Holder holdHolder;
    /** What the last startup threw, until a startup succeeds. Written holding lock. */
    private volatile Throwable lastStartupFailure;
    /** Startups that succeeded, failed, and shutdowns run: written holding lock, read without it. */
    private volatile long startups;
    private volatile long startupFailures;
    private volatile long shutdowns;
    /** The opens recorded by {@link LeakDetection}; null until it first records one. Set holding lock. */
    private volatile LeakDetection.Holders leakHolders;

    /**
     * A running startup and the opens it will count when it succeeds: the one that started it, the
     * starting thread's reentrant opens ({@code own}) and the opens of other threads that arrived
     * meanwhile and wait for it ({@code joined}). Guarded by {@link #lock}.
     */
    private static final class Startup {
        final Thread thread;
        int own = 1;
        int joined;
        /** Of {@code own + joined}: how many handles own. */
        int handles;
        /** 0 while running; {@link #SUCCEEDED} or {@link #FAILED} once it ended. */
        int outcome;
        /** What the startup threw, once it FAILED: every open that joined it throws it too. */
        Throwable failure;
        static final int SUCCEEDED = 1;
        static final int FAILED = 2;

        Startup(Thread thread, boolean handle) {
            this.thread = thread;
            this.handles = handle ? 1 : 0;
        }

        int total() {
            return own + joined;
        }
    }

    /** An object whose cycles are finalised as soon as their shutdown ends. */
    protected AbstractMultiOpen() {
        this(false);
    }

    /**
     * @param finaliseLater if true, a cycle is finalised (releasing {@link #join()}) only when
     *     {@link #finalise()} is called or the next open starts a new cycle, not right after shutdown
     */
    protected AbstractMultiOpen(boolean finaliseLater) {
        this.finaliseLater = finaliseLater;
    }

    // ----------------------------------------------------------------------------------- subclass

    /**
     * Runs on the first open of each cycle, in the opening thread. Does nothing by default.
     *
     * @throws Exception to fail the open; the count is rolled back and the next open tries again
     */
    protected void startup() throws Exception {
    }

    /**
     * Runs on the last close of each cycle, in the closing thread. Does nothing by default.
     *
     * @throws Exception to report a failed shutdown; the object still ends closed
     */
    protected void shutdown() throws Exception {
    }

    /**
     * Starts up and returns the action that shuts down, the combined form of {@link #startup()} and
     * {@link #shutdown()} (the Python library's {@code startup_shutdown}): override it to keep what
     * startup acquired in local variables. By default it calls {@link #startup()} and returns
     * {@link #shutdown()}. A {@code null} result means there is nothing to shut down.
     *
     * @return what the final close of this cycle runs
     * @throws Exception to fail the open, as {@link #startup()}
     */
    protected AutoCloseable startupShutdown() throws Exception {
        startup();
        return this::shutdown;
    }

    /**
     * Guard for methods that must not run on a closed object (the Python library's
     * {@code not_closed}). The object counts as closed while its final shutdown runs, so shutdown
     * code cannot call methods guarded by this (or by {@link #ensureOpen()}).
     *
     * @throws ClosedException if {@link #isClosed()}; the message names this object and the
     *     calling method
     */
    protected final void ensureNotClosed() {
        if (isClosed()) {
            throw new ClosedException(callingMethod() + " on " + this + ": it is closed");
        }
    }

    /**
     * Guard for methods that need the object open (the Python library's {@code is_opened}). Code
     * run by startup, in the starting thread, passes: startup may use the object it sets up.
     *
     * @throws ClosedException unless {@link #isOpen()}; the message names this object, its phase
     *     and the calling method
     */
    protected final void ensureOpen() {
        if (isOpen()) {
            return;
        }
        int s;
        synchronized (lock) {
            // Read once more under the lock: a startup in another thread may have completed since
            // the check above, and the message must name the phase that was seen.
            s = state;
            if (isOpen() || (s == STARTING && startup.thread == Thread.currentThread())) {
                return;
            }
        }
        throw new ClosedException(callingMethod() + " on " + this + ": it is not open (" + phase(s) + ")");
    }

    /**
     * The owner's own open, the <em>hold</em>: opens as {@link #open()} does (running startup in
     * this thread if it is the first open of a cycle), and marks that open as the one
     * {@link #retire()} releases. For an object that must be up while its owner has it, such as a
     * Declarative Services component that starts eagerly: call it from {@code @Activate} and
     * {@link #retire()} from {@code @Deactivate}. An object whose startup can wait for its first
     * user needs no hold: its users' opens start it.
     *
     * <p>At most one hold per object: a second call throws, also after the first was released. A
     * call whose open fails (startup threw) holds nothing, and may be made again. The hold is one
     * open among the others in the count: should plain {@link #close()} calls of others close it
     * and end its cycle, the hold has ended with that cycle, and {@code retire()} has nothing left
     * to release. A call that
     * races with {@link #retire()} from another thread holds the object until that retire
     * releases it, as if it had come first.
     *
     * @throws IllegalStateException if this object's hold was taken before (the message names
     *     this object), if called from inside this object's own startup, or as {@link #open()}
     * @throws ClosedException if this object is retired
     * @throws LifecycleException as {@link #open()}
     */
    protected final void holdOpen() {
        int refused;
        synchronized (lock) {
            Thread me = Thread.currentThread();
            refused = retired ? IS_RETIRED : hold != HOLD_NONE ? HOLD_TAKEN
                    : state == STARTING && startup.thread == me ? IN_STARTUP_HOLD : NO_ERROR;
            if (refused == NO_ERROR) {
                hold = HOLD_OPENING;
                holdThread = me;
            }
        }
        if (refused == IN_STARTUP_HOLD) {
            throw new IllegalStateException("holdOpen() of " + this + " from inside its own startup");
        }
        if (refused == IS_RETIRED) {
            throw new ClosedException("holdOpen() of " + this + ": it is closed for good (retired)");
        }
        if (refused == HOLD_TAKEN) {
            throw new IllegalStateException("holdOpen() of " + this + ": its hold was taken before (at most one per object)");
        }
        boolean opened = false;
        LeakDetection.Holder recorded = null;
        boolean released = false;
        boolean finalClose = false;
        AutoCloseable action = null;
        try {
            count(false);
            opened = true;
            if (LeakDetection.enabled) {
                recorded = LeakDetection.record(leakHolders(), LeakDetection.OPEN);
            }
        } finally {
            synchronized (lock) {
                holdThread = null;
                hold = opened ? HOLD_HELD : HOLD_NONE;
                holdHolder = recorded;
                // retire() waits for the hold to settle, unless it was called where it could not
                // wait (see there): then the object is retired already, and the hold ends here.
                if (opened && retired) {
                    released = true;
                    finalClose = releaseHoldLocked("holdOpen() in thread \"" + Thread.currentThread().getName()
                            + "\", released as it returned after retire()");
                    if (finalClose) {
                        action = shutdownAction;
                        shutdownAction = null;
                    }
                }
                lock.notifyAll();
            }
        }
        if (recorded != null && released) {
            LeakDetection.release(leakHolders, recorded);
        }
        if (finalClose) {
            runShutdown(action);
        }
    }

    /**
     * Retires this object, for objects whose life has an end, such as a Declarative Services
     * component (call it from {@code @Deactivate}): from now on it never starts a new cycle. The
     * cycle in progress, if any, goes on while anyone holds an open, and ends with the last close;
     * an {@link #open()} or {@link #acquire()} that finds the count at 0 from now on throws
     * {@link ClosedException}, also on an object that was never opened.
     *
     * <p>If the owner holds the object open with {@link #holdOpen()}, this releases that hold, as a
     * {@link #close()} would (running shutdown here if it is the last open). It releases no other
     * open, ever: the plain opens and the handles of consumers, and the opens the owner made itself
     * with {@code open()} or {@code acquire()}, stay until whoever made them closes them. Calling it
     * again does nothing; retiring an object that was never opened, or is closed, throws nothing
     * and logs nothing.
     *
     * @throws LifecycleException as {@link #close()}, if releasing the hold was the final close and
     *     shutdown threw a checked exception (the object is retired all the same)
     */
    protected final void retire() {
        LeakDetection.Holder recorded;
        boolean finalClose;
        AutoCloseable action = null;
        boolean interrupted = false;
        String from = caller(); // walked before the lock; retire() is called once or twice per object
        synchronized (lock) {
            if (retired) {
                return;
            }
            // A holdOpen() in another thread is opening: wait for it, so that it counts as having
            // come first (its hold is released here). Not when that holdOpen() may be waiting for
            // this thread (this thread runs the startup or the shutdown it waits for, or is the
            // holdOpen()'s own, inside the startup it runs): then holdOpen() releases the hold
            // itself as it returns.
            Thread me = Thread.currentThread();
            while (hold == HOLD_OPENING && holdThread != me
                    && !(state == STARTING && startup.thread == me)
                    && !(state == STOPPING && transitionThread == me)) {
                interrupted |= await(0L);
            }
            retired = true;
            recorded = holdHolder;
            finalClose = hold == HOLD_HELD && releaseHoldLocked(from);
            if (finalClose) {
                action = shutdownAction;
                shutdownAction = null;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (recorded != null) {
            LeakDetection.release(leakHolders, recorded);
        }
        if (finalClose) {
            runShutdown(action);
        }
    }

    /**
     * Releases the hold (HOLD_HELD), holding the lock, so that no close of another thread can
     * come between {@code retire()} marking the object and the hold's release: the count goes
     * down by one at once, and if that is the final close, the object is made STOPPING here and
     * the caller runs the shutdown after the lock. If the object is not open (plain closes of
     * others took the hold's open already), there is nothing left to release.
     *
     * @return whether this was the final close
     */
    private boolean releaseHoldLocked(String from) {
        hold = HOLD_DONE;
        holdHolder = null;
        for (;;) {
            long o = opens;
            int low = (int) o;
            if ((low & 1) == 0 && low > 2) {
                if (OPENS.compareAndSet(this, o, o - 2)) {
                    return false;
                }
            } else if (low == 2) {
                if (OPENS.compareAndSet(this, o, 1L)) {
                    state = STOPPING;
                    transitionThread = Thread.currentThread();
                    finalCloseFrom = from;
                    return true;
                }
            } else {
                return false;
            }
        }
    }

    // ------------------------------------------------------------------------------------- open

    /**
     * {@inheritDoc}
     *
     * @throws ClosedException if this object is retired ({@link #retire()}) and its count is 0
     */
    @Override
    public MultiOpen open() {
        count(false);
        if (LeakDetection.enabled) {
            recordOpen();
        }
        return this;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Here, while the object is open, the open takes no lock (as {@link #open()}), and the
     * handle's close releases it once: concurrent closes of one handle are safe, and only the
     * first releases the open. When the handle does not escape the method that acquired it (as
     * in try-with-resources), this costs what {@code open()} and {@code close()} cost. With
     * {@link LeakDetection} on, the handle records the stack that acquired it and is watched: one
     * that becomes unreachable unclosed is reported as a leak.
     *
     * @throws ClosedException if this object is retired and its count is 0
     */
    @Override
    public MultiOpen.Handle acquire() {
        count(true);
        OwnedHandle h = new OwnedHandle(this);
        if (LeakDetection.enabled) {
            h.track(leakHolders());
        }
        return h;
    }

    /** Counts one open (of a handle, if {@code handle}), running startup if it is the first. */
    private void count(boolean handle) {
        long delta = handle ? HANDLE + 2 : 2;
        for (;;) {
            long before = (long) OPENS.getAndAdd(this, delta);
            int low = (int) before;
            if ((low & 1) == 0 && low > 0) {
                if (low >= 2 * MAX_OPENS) {
                    OPENS.getAndAdd(this, -delta);
                    throw overflow();
                }
                return;
            }
            // Odd: not open, and what was just added changed nothing that counts.
            if (openSlow(handle)) {
                return;
            }
        }
    }

    /** What {@link #openSlow} found it must throw, decided under the lock and thrown after it. */
    private static final int NO_ERROR = 0;
    private static final int OVERFLOW = 1;
    private static final int IN_SHUTDOWN = 2;
    private static final int IS_RETIRED = 3;
    private static final int JOINED_FAILED = 4;
    private static final int HOLD_TAKEN = 5;
    private static final int IN_STARTUP_HOLD = 6;

    /** Opens when the fast path cannot: returns false to retry the fast path. */
    private boolean openSlow(boolean handle) {
        boolean interrupted = false;
        int error = NO_ERROR;
        try {
            Thread me = Thread.currentThread();
            Startup joined = null;
            Throwable joinedFailure = null;
            synchronized (lock) {
                for (;;) {
                    if (joined != null) {
                        if (joined.outcome == Startup.SUCCEEDED) {
                            return true; // counted into the cycle it waited for
                        }
                        if (joined.outcome == Startup.FAILED) {
                            // Rolled back with it, and failed with it: no second attempt.
                            joinedFailure = joined.failure;
                            error = JOINED_FAILED;
                            break;
                        }
                        interrupted |= await(0L);
                        continue;
                    }
                    if (isOpen()) {
                        return false;
                    }
                    int s = state;
                    if (s == STARTING) {
                        Startup st = startup;
                        if (st.total() >= MAX_OPENS) {
                            error = OVERFLOW;
                            break;
                        }
                        if (handle) {
                            st.handles++;
                        }
                        if (st.thread == me) {
                            st.own++; // reentrant, from inside startup
                            return true;
                        }
                        st.joined++;
                        joined = st;
                        continue;
                    }
                    if (s == STOPPING) {
                        if (transitionThread == me) {
                            error = IN_SHUTDOWN;
                            break;
                        }
                        interrupted |= await(0L);
                        continue;
                    }
                    // NEW or CLOSED: this thread runs the startup of a new cycle, unless retired.
                    if (retired) {
                        error = IS_RETIRED;
                        break;
                    }
                    if (s == CLOSED && !finalised) {
                        finaliseLocked();
                    }
                    stateBeforeStartup = s;
                    startup = new Startup(me, handle);
                    state = STARTING;
                    break;
                }
            }
            switch (error) {
                case OVERFLOW -> throw overflow();
                case IN_SHUTDOWN -> throw new IllegalStateException("open() of " + this + " from inside its own shutdown");
                case IS_RETIRED -> throw new ClosedException("open() of " + this + ": it is closed for good (retired)");
                case JOINED_FAILED -> throw unchecked(joinedFailure, "startup", false);
                default -> {
                }
            }
            runStartup();
            return true;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void runStartup() {
        AutoCloseable action = null;
        Throwable failure = null;
        try {
            action = startupShutdown();
        } catch (Throwable t) {
            failure = t;
        }
        synchronized (lock) {
            Startup st = startup;
            startup = null;
            if (failure == null) {
                shutdownAction = action;
                finalised = false;
                lastStartupFailure = null;
                long value = (long) st.handles << 32 | 2L * st.total();
                for (;;) {
                    long o = opens; // odd: only failed fast opens change it
                    if (OPENS.compareAndSet(this, o, value)) {
                        break;
                    }
                }
                state = OPEN;
                st.outcome = Startup.SUCCEEDED;
                startups++; // holding lock: the only writer
            } else {
                state = stateBeforeStartup;
                lastStartupFailure = failure;
                startupFailures++; // holding lock: the only writer
                settledEpoch++;
                st.outcome = Startup.FAILED;
                st.failure = failure;
            }
            lock.notifyAll();
        }
        if (failure != null) {
            forgetOpens(); // the opens made inside the failed startup are rolled back
            throw unchecked(failure, "startup", true);
        }
    }

    private IllegalStateException overflow() {
        return new IllegalStateException("open() of " + this + ": open count would overflow");
    }

    // ------------------------------------------------------------------------------------ close

    @Override
    public void close() {
        close(false, false, false);
        if (leakHolders != null) {
            recordClose();
        }
    }

    @Override
    public void close(CloseOption... options) {
        Objects.requireNonNull(options, "options");
        boolean enforceFinal = false;
        boolean unopenedOk = false;
        for (CloseOption option : options) {
            switch (Objects.requireNonNull(option, "options contains null")) {
                case ENFORCE_FINAL_CLOSE -> enforceFinal = true;
                case UNOPENED_OK -> unopenedOk = true;
            }
        }
        IllegalStateException notFinal = null;
        try {
            close(enforceFinal, unopenedOk, false);
        } catch (NotFinal e) {
            notFinal = e.toException(this);
        }
        if (leakHolders != null) {
            recordClose();
        }
        if (notFinal != null) {
            throw notFinal;
        }
    }

    /** The close of a handle: releases one of the opens handles own. */
    final void closeHandle() {
        close(false, false, true);
    }

    /**
     * Thrown inside {@link #close(boolean, boolean, boolean)} when ENFORCE_FINAL_CLOSE finds opens
     * remaining, so that the message (which names this object) is built by the caller.
     */
    private static final class NotFinal extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int remaining;

        NotFinal(int remaining) {
            super(null, null, false, false);
            this.remaining = remaining;
        }

        IllegalStateException toException(Object multiOpen) {
            return new IllegalStateException("close of " + multiOpen + " with ENFORCE_FINAL_CLOSE was not the final close: "
                    + remaining + (remaining == 1 ? " open remains" : " opens remain"));
        }
    }

    private void close(boolean enforceFinal, boolean unopenedOk, boolean handle) {
        for (;;) {
            long o = opens;
            int low = (int) o;
            if ((low & 1) == 0 && low > 2) {
                long next = handle && (o >>> 32) > 0 ? o - HANDLE - 2 : o - 2;
                if (OPENS.compareAndSet(this, o, next)) {
                    if (enforceFinal) {
                        throw new NotFinal((low - 2) >>> 1);
                    }
                    return;
                }
            } else if (closeSlow(enforceFinal, unopenedOk, handle)) {
                return;
            }
        }
    }

    /** What {@link #closeSlow} found, decided under the lock and acted on after it. */
    private static final int RETRY_FAST = 0;
    private static final int DONE = 1;
    private static final int FINAL = 2;
    private static final int NEED_CALLER = 3;
    private static final int EXTRA = 4;
    private static final int BEFORE_OPEN = 5;
    private static final int IN_STARTUP = 6;
    private static final int NOT_FINAL = 7;

    /** Closes when the fast path cannot: returns false to retry the fast path. */
    private boolean closeSlow(boolean enforceFinal, boolean unopenedOk, boolean handle) {
        boolean interrupted = false;
        // Where this close comes from: walked outside the lock, and only for a close that may be final.
        String from = null;
        try {
            Thread me = Thread.currentThread();
            for (;;) {
                int outcome;
                AutoCloseable action = null;
                int remaining = 0;
                boolean stopping = false;
                String finalFrom = null;
                synchronized (lock) {
                    for (;;) {
                        long o = opens;
                        int low = (int) o;
                        if ((low & 1) == 0 && low > 2) {
                            outcome = RETRY_FAST;
                            break;
                        }
                        if (low == 2) {
                            if (from == null) {
                                outcome = NEED_CALLER;
                                break;
                            }
                            if (!OPENS.compareAndSet(this, o, 1L)) {
                                continue; // an open got in first
                            }
                            state = STOPPING;
                            transitionThread = me;
                            finalCloseFrom = from;
                            if (hold == HOLD_HELD) {
                                hold = HOLD_DONE; // the cycle it held ended: others' closes took its open
                                holdHolder = null;
                            }
                            action = shutdownAction;
                            shutdownAction = null;
                            outcome = FINAL;
                            break;
                        }
                        int s = state;
                        if (s == STARTING) {
                            Startup st = startup;
                            if (st.thread == me) {
                                if (st.own > 1) {
                                    st.own--;
                                    if (handle && st.handles > 0) {
                                        st.handles--;
                                    }
                                    remaining = st.total();
                                    outcome = enforceFinal ? NOT_FINAL : DONE;
                                } else {
                                    outcome = IN_STARTUP;
                                }
                                break;
                            }
                            interrupted |= await(0L);
                            continue;
                        }
                        if (s == NEW) {
                            outcome = unopenedOk ? DONE : BEFORE_OPEN;
                            break;
                        }
                        // CLOSED, or STOPPING (from inside shutdown or from another thread): an
                        // extra close, reported once the monitor is released.
                        stopping = s == STOPPING;
                        finalFrom = finalCloseFrom;
                        outcome = EXTRA;
                        break;
                    }
                }
                switch (outcome) {
                    case RETRY_FAST:
                        return false;
                    case NEED_CALLER:
                        from = caller();
                        continue;
                    case FINAL:
                        runShutdown(action);
                        return true;
                    case DONE:
                        return true;
                    case NOT_FINAL:
                        throw new NotFinal(remaining);
                    case IN_STARTUP:
                        throw new IllegalStateException("close() of " + this
                                + " from inside its own startup would close it before open() returned");
                    case BEFORE_OPEN:
                        throw new IllegalStateException("close before open: " + this + " was never opened");
                    default: // EXTRA
                        if (LOG.isLoggable(Level.WARNING)) {
                            LOG.log(Level.WARNING, "extra close of " + this + " ignored: it is already closed"
                                    + (stopping ? " and shutting down" : "") + "; the final close came from "
                                    + finalFrom + "; this close from " + (from != null ? from : caller()));
                        }
                        return true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void runShutdown(AutoCloseable action) {
        forgetOpens(); // the count is 0: whatever was recorded has been closed
        Throwable failure = null;
        try {
            if (action != null) {
                action.close();
            }
        } catch (Throwable t) {
            failure = t;
        }
        synchronized (lock) {
            transitionThread = null;
            state = CLOSED;
            shutdowns++; // holding lock: the only writer
            if (finaliseLater) {
                finalised = false;
            } else {
                finaliseLocked();
            }
            lock.notifyAll();
        }
        if (failure != null) {
            throw unchecked(failure, "shutdown", true);
        }
    }

    // ------------------------------------------------------------------------------ finalise, join

    /**
     * Finalises the closed cycle, releasing {@link #join()} waiters. Called automatically after
     * shutdown unless this object was constructed with {@code finaliseLater}.
     *
     * @throws IllegalStateException unless the object is closed (not starting, open or shutting
     *     down) and not yet finalised
     */
    public void finalise() {
        int s;
        synchronized (lock) {
            s = state;
            if (s == CLOSED && !finalised) {
                finaliseLocked();
                return;
            }
        }
        if (s != CLOSED) {
            throw new IllegalStateException("finalise() of " + this + ": it is not closed (" + phase(s) + ")");
        }
        throw new IllegalStateException("finalise() of " + this + ": already finalised");
    }

    private void finaliseLocked() {
        finalised = true;
        settledEpoch++;
        lock.notifyAll();
    }

    @Override
    public void join() {
        join(-1L);
    }

    @Override
    public boolean join(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("join(" + timeout + ") of " + this + ": negative timeout");
        }
        return join(saturatedNanos(timeout));
    }

    /** Waits for the cycle to settle; {@code timeoutNanos < 0} waits without limit. */
    private boolean join(long timeoutNanos) {
        boolean interrupted = false;
        int selfWait = 0; // STARTING or STOPPING: this thread would wait for its own transition
        try {
            Thread me = Thread.currentThread();
            synchronized (lock) {
                if (settled()) {
                    return true;
                }
                int s = state;
                if ((s == STARTING && startup.thread == me) || (s == STOPPING && transitionThread == me)) {
                    selfWait = s;
                } else {
                    long epoch = settledEpoch;
                    long deadline = timeoutNanos < 0 ? 0L : System.nanoTime() + timeoutNanos;
                    while (settledEpoch == epoch) {
                        long wait = 0L;
                        if (timeoutNanos >= 0) {
                            wait = deadline - System.nanoTime();
                            if (wait <= 0) {
                                return false;
                            }
                        }
                        interrupted |= await(wait);
                    }
                    return true;
                }
            }
            throw new IllegalStateException("join() of " + this + " from inside its own "
                    + (selfWait == STARTING ? "startup" : "shutdown") + " would wait for itself");
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private boolean settled() {
        int s = state;
        return s == NEW || (s == CLOSED && finalised);
    }

    /**
     * Waits on the monitor (held by the caller) for at most {@code nanos} (0: no limit).
     *
     * @return whether the wait was interrupted
     */
    private boolean await(long nanos) {
        try {
            if (nanos == 0L) {
                lock.wait();
            } else {
                lock.wait(nanos / 1_000_000L, (int) (nanos % 1_000_000L));
            }
            return false;
        } catch (InterruptedException e) {
            return true;
        }
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    // ---------------------------------------------------------------------------------- queries

    @Override
    public boolean isOpen() {
        int low = (int) opens;
        return (low & 1) == 0 && low > 0;
    }

    @Override
    public boolean isClosed() {
        int s = state;
        // OPEN with an odd count: the final close has made the count odd and is about to say
        // STOPPING. (A startup makes the count even before it says OPEN: the phase is read first.)
        return s == CLOSED || s == STOPPING || (s == OPEN && !isOpen());
    }

    @Override
    public int openCount() {
        int low = (int) opens;
        return (low & 1) == 0 && low > 0 ? low >>> 1 : 0;
    }

    /** @return what the last startup threw, if it failed and none has succeeded since */
    @Override
    public Optional<Throwable> lastStartupFailure() {
        return Optional.ofNullable(lastStartupFailure);
    }

    /**
     * A read-only count for monitoring: how many startups have succeeded since this object was
     * made, that is how many cycles it has begun. A startup is counted when it has returned, before
     * the opens that waited for it return; a failed startup is counted by
     * {@link #startupFailures()} instead. Reading it takes no lock and changes nothing.
     *
     * @return the number of startups that succeeded
     */
    public final long startups() {
        return startups;
    }

    /**
     * A read-only count for monitoring: how many startups have thrown since this object was made.
     * An attempt counts once, however many opens waited for it; {@link #lastStartupFailure()} is
     * what the latest threw, until a startup succeeds. {@code startups() + startupFailures()} is
     * the number of attempts. Reading it takes no lock and changes nothing.
     *
     * @return the number of startups that failed
     */
    public final long startupFailures() {
        return startupFailures;
    }

    /**
     * A read-only count for monitoring: how many shutdowns have run to their end since this object
     * was made, those that threw included, that is how many cycles it has ended. A shutdown is
     * counted when it has returned or thrown, before {@link #join()} waiters are released; while
     * a cycle is open (or shutting down) it is one less than {@link #startups()}. Reading it takes
     * no lock and changes nothing.
     *
     * @return the number of shutdowns run
     */
    public final long shutdowns() {
        return shutdowns;
    }

    /**
     * @return whether {@link #retire()} was called: from then on this object starts no new cycle
     */
    public final boolean isRetired() {
        synchronized (lock) {
            return retired;
        }
    }

    // --------------------------------------------------------------------------- leak detection

    /** @return what {@link LeakDetection} recorded for this object; null if nothing ever */
    final LeakDetection.Holders recordedHolders() {
        return leakHolders;
    }

    /** @return the holders of this object, created (and watched) on first use */
    private LeakDetection.Holders leakHolders() {
        LeakDetection.Holders h = leakHolders;
        if (h == null) {
            // Made outside the lock (getClass() and identityHashCode run no subclass code), and
            // published by compare-and-set so that two first recorders agree.
            LeakDetection.Holders made = new LeakDetection.Holders(
                    getClass().getName() + "@" + Integer.toHexString(System.identityHashCode(this)));
            synchronized (lock) {
                h = leakHolders;
                if (h == null) {
                    leakHolders = h = made;
                }
            }
            if (h == made) {
                LeakDetection.watch(this, h);
            }
        }
        return h;
    }

    private void recordOpen() {
        LeakDetection.record(leakHolders(), LeakDetection.OPEN);
    }

    /** A plain close forgets the latest plain open recorded: plain opens are not owned. */
    private void recordClose() {
        LeakDetection.Holders h = leakHolders;
        LeakDetection.release(h, h.latest(LeakDetection.OPEN));
    }

    private void forgetOpens() {
        LeakDetection.Holders h = leakHolders;
        if (h != null) {
            h.clear();
        }
    }

    // ---------------------------------------------------------------------------------- helpers

    private String phase(int s) {
        return switch (s) {
            case NEW -> "never opened";
            case CLOSED -> "closed";
            case STARTING -> "starting up";
            case STOPPING -> "shutting down";
            default -> "open, count " + openCount();
        };
    }

    /**
     * Throws an unchecked failure as it is; wraps a checked one. {@code ownThread}: the failure
     * was thrown in this thread (an InterruptedException then restores this thread's flag; an
     * open that only joined the failed startup was not interrupted itself).
     */
    private RuntimeException unchecked(Throwable failure, String phase, boolean ownThread) {
        if (failure instanceof RuntimeException e) {
            return e;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        if (ownThread && failure instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        return new LifecycleException(phase + " of " + this + " failed: " + failure, failure);
    }

    /** The first frame outside this class and its handles: who called open, close or a guard. */
    private static Optional<StackWalker.StackFrame> callerFrame() {
        return WALKER.walk(frames -> frames.dropWhile(f -> f.getDeclaringClass() == AbstractMultiOpen.class
                || f.getDeclaringClass() == OwnedHandle.class).findFirst());
    }

    private static String caller() {
        return "thread \"" + Thread.currentThread().getName() + "\" at "
                + callerFrame().map(Object::toString).orElse("an unknown place");
    }

    private static String callingMethod() {
        return callerFrame().map(f -> f.getMethodName() + "()").orElse("an operation");
    }

    /**
     * The handle of {@link AbstractMultiOpen#acquire()}. Its flag is guarded by the handle's own
     * monitor, which only its closes take, so concurrent closes release the open once; when the
     * handle does not escape the method that acquired it, the JIT removes both the handle and the
     * monitor (a compare-and-set on the handle's field would keep the allocation). With leak
     * detection on it carries its holder and is watched by the Cleaner.
     */
    static final class OwnedHandle implements MultiOpen.Handle {
        private final AbstractMultiOpen multiOpen;
        /** Guarded by this. */
        private boolean closed;
        /** Set by {@link #track} when leak detection records this handle; else null. */
        private LeakDetection.Holders holders;
        private LeakDetection.Holder holder;
        private java.lang.ref.Cleaner.Cleanable cleanable;

        OwnedHandle(AbstractMultiOpen multiOpen) {
            this.multiOpen = multiOpen;
        }

        @Override
        public MultiOpen multiOpen() {
            return multiOpen;
        }

        @Override
        public synchronized boolean isClosed() {
            return closed;
        }

        @Override
        public void close() {
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
            }
            if (holder != null) {
                LeakDetection.release(holders, holder);
                cleanable.clean();
            }
            multiOpen.closeHandle();
        }

        void track(LeakDetection.Holders h) {
            holders = h;
            holder = LeakDetection.record(h, LeakDetection.HANDLE);
            cleanable = LeakDetection.watchLease(this, h, holder);
        }

        /** @return what leak detection recorded for this handle; null if nothing */
        LeakDetection.Holder holder() {
            return holder;
        }

        @Override
        public String toString() {
            return "Handle of " + multiOpen + (isClosed() ? " (closed)" : "");
        }
    }
}
