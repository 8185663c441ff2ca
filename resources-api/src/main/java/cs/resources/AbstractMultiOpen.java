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
 * startup does not count as having opened, and the next {@link #open()} runs startup again. If
 * shutdown throws, the object still ends closed and {@link #join()} waiters are released. In both
 * cases a checked exception reaches the caller wrapped in a {@link LifecycleException}; anything
 * unchecked reaches it as it was thrown.
 *
 * <h2>Finalisation</h2>
 * After the final shutdown the cycle is <em>finalised</em>, which releases {@link #join()}
 * waiters: at once, or, for an object constructed with {@code finaliseLater}, when
 * {@link #finalise()} is called (or the next open starts a new cycle).
 *
 * <h2>Concurrency</h2>
 * One volatile {@code int}, {@code opens}, is even while the object is open (twice the open count)
 * and odd otherwise. {@code open()} adds 2 to it with one atomic add and no lock: if the value it
 * found was even, the object was open and the open is done; if it was odd, nothing needs undoing
 * (an odd value stays odd whatever is added) and the open takes the slow path. A non-final
 * {@code close()} subtracts 2 by compare-and-set, never reaching 0; the final close makes the value
 * odd holding the monitor. The phase (new, starting, open, stopping, closed), and the fields that
 * go with it (the starting or stopping thread, the opens made inside a startup, the finalisation
 * flag, where the final close came from), are guarded by a private monitor that belongs to this
 * object alone. Startup and shutdown run outside that monitor.
 */
public abstract class AbstractMultiOpen implements MultiOpen {

    private static final System.Logger LOG = System.getLogger(MultiOpen.class.getName());
    private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);

    /** Open: {@link #opens} is even (but while the final close, holding the monitor, makes it odd). */
    private static final int OPEN = 1;
    /** Never opened, or the first startup failed. */
    private static final int NEW = 0;
    /** Opened before, count 0, shutdown done. */
    private static final int CLOSED = -1;
    /** A startup runs in {@link #transitionThread}. */
    private static final int STARTING = -2;
    /** A final shutdown runs in {@link #transitionThread}. */
    private static final int STOPPING = -3;

    /** The most opens at once: twice it, plus the overshoot of concurrent opens, stays far from overflow. */
    private static final int MAX_OPENS = (1 << 29) - 1;

    private static final VarHandle OPENS;

    static {
        try {
            OPENS = MethodHandles.lookup().findVarHandle(AbstractMultiOpen.class, "opens", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * Even and above 0: twice the open count of an open object (atomic add on open, compare-and-set
     * on close, no lock). Odd: not open (made odd, and even again, holding {@link #lock}); a failed
     * fast open adds 2, which keeps it odd.
     */
    private volatile int opens = 1;

    /** The phase; written holding {@link #lock}, read without it by the queries. */
    private volatile int state = NEW;

    /** Guards every field below and the phase changes of {@link #state}; waiters wait on it. */
    private final Object lock = new Object();

    private final boolean finaliseLater;

    /** The thread running startup (STARTING) or shutdown (STOPPING); else null. Guarded by lock. */
    private Thread transitionThread;
    /** Opens made so far in the running startup, including the one that started it. Guarded by lock. */
    private int pendingOpens;
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
    /** The opens recorded by {@link LeakDetection}; null until it first records one. Set holding lock. */
    private volatile LeakDetection.Holders leakHolders;

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
        synchronized (lock) {
            // Read once more under the lock: a startup in another thread may have completed since
            // the check above, and the message must name the phase that was seen.
            int s = state;
            if (isOpen() || (s == STARTING && transitionThread == Thread.currentThread())) {
                return;
            }
            throw new ClosedException(callingMethod() + " on " + this + ": it is not open (" + phase(s) + ")");
        }
    }

    /**
     * The owner's last close, for objects whose life has an end, such as a Declarative Services
     * component (call it from {@code @Deactivate}, having called {@link #open()} from
     * {@code @Activate}): closes as {@link #close()} and marks this object retired. Opens still held
     * keep it alive, and consumers may go on opening it while it is open; but once the count
     * reaches 0 and shutdown has run, it never starts up again: {@link #open()} throws
     * {@link ClosedException}.
     *
     * @throws IllegalStateException as {@link #close()} (the object is retired all the same)
     * @throws LifecycleException as {@link #close()}
     */
    protected final void retire() {
        synchronized (lock) {
            retired = true;
        }
        close();
    }

    // ------------------------------------------------------------------------------------- open

    @Override
    public MultiOpen open() {
        for (;;) {
            int before = (int) OPENS.getAndAdd(this, 2);
            if ((before & 1) == 0 && before > 0) {
                if (before >= 2 * MAX_OPENS) {
                    OPENS.getAndAdd(this, -2);
                    throw new IllegalStateException("open() of " + this + ": open count would overflow");
                }
                if (LeakDetection.enabled) {
                    recordOpen();
                }
                return this;
            }
            // Odd: not open, and the 2 just added changed nothing.
            if (openSlow()) {
                return this;
            }
        }
    }

    /** Opens when the fast path cannot: returns false to retry the fast path. */
    private boolean openSlow() {
        boolean interrupted = false;
        try {
            Thread me = Thread.currentThread();
            synchronized (lock) {
                for (;;) {
                    if (isOpen()) {
                        return false;
                    }
                    int s = state;
                    if (s == STARTING && transitionThread == me) {
                        if (pendingOpens == MAX_OPENS) {
                            throw new IllegalStateException("open() of " + this + ": open count would overflow");
                        }
                        pendingOpens++;
                        if (LeakDetection.enabled) {
                            recordOpen();
                        }
                        return true;
                    }
                    if (s == STOPPING && transitionThread == me) {
                        throw new IllegalStateException("open() of " + this + " from inside its own shutdown");
                    }
                    if (s == STARTING || s == STOPPING) {
                        interrupted |= await(0L);
                        continue;
                    }
                    // NEW or CLOSED: this thread runs the startup of a new cycle, unless retired.
                    if (retired) {
                        throw new ClosedException("open() of " + this + ": it is closed for good (retired)");
                    }
                    if (s == CLOSED && !finalised) {
                        finaliseLocked();
                    }
                    stateBeforeStartup = s;
                    transitionThread = me;
                    pendingOpens = 1;
                    state = STARTING;
                    break;
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
            transitionThread = null;
            if (failure == null) {
                shutdownAction = action;
                finalised = false;
                for (;;) {
                    int o = opens; // odd: only failed fast opens change it, each adding 2
                    if (OPENS.compareAndSet(this, o, 2 * pendingOpens)) {
                        break;
                    }
                }
                state = OPEN;
            } else {
                state = stateBeforeStartup;
                settledEpoch++;
            }
            pendingOpens = 0;
            lock.notifyAll();
        }
        if (failure != null) {
            forgetOpens(); // the opens made inside the failed startup are rolled back
            throw unchecked(failure, "startup");
        }
        if (LeakDetection.enabled) {
            recordOpen();
        }
    }

    // ------------------------------------------------------------------------------------ close

    @Override
    public void close() {
        close(false, false);
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
        close(enforceFinal, unopenedOk);
    }

    private void close(boolean enforceFinal, boolean unopenedOk) {
        for (;;) {
            int o = opens;
            if ((o & 1) == 0 && o > 2) {
                if (OPENS.compareAndSet(this, o, o - 2)) {
                    if (leakHolders != null) {
                        recordClose();
                    }
                    if (enforceFinal) {
                        throw notFinal((o - 2) >>> 1);
                    }
                    return;
                }
            } else if (closeSlow(enforceFinal, unopenedOk)) {
                return;
            }
        }
    }

    /** Closes when the fast path cannot: returns false to retry the fast path. */
    private boolean closeSlow(boolean enforceFinal, boolean unopenedOk) {
        boolean interrupted = false;
        AutoCloseable action = null;
        String extraClose = null; // set for an extra close: what to warn about
        try {
            Thread me = Thread.currentThread();
            synchronized (lock) {
                for (;;) {
                    int o = opens;
                    if ((o & 1) == 0 && o > 2) {
                        return false;
                    }
                    if (o == 2) {
                        if (!OPENS.compareAndSet(this, 2, 1)) {
                            continue; // an open got in first
                        }
                        state = STOPPING;
                        transitionThread = me;
                        finalCloseFrom = caller();
                        action = shutdownAction;
                        shutdownAction = null;
                        break;
                    }
                    int s = state;
                    if (s == STARTING) {
                        if (transitionThread == me) {
                            if (pendingOpens > 1) {
                                pendingOpens--;
                                if (leakHolders != null) {
                                    recordClose();
                                }
                                if (enforceFinal) {
                                    throw notFinal(pendingOpens);
                                }
                                return true;
                            }
                            throw new IllegalStateException("close() of " + this
                                    + " from inside its own startup would close it before open() returned");
                        }
                        interrupted |= await(0L);
                        continue;
                    }
                    if (s == NEW) {
                        if (unopenedOk) {
                            return true;
                        }
                        throw new IllegalStateException("close before open: " + this + " was never opened");
                    }
                    // CLOSED, or STOPPING (from inside shutdown or from another thread): an extra
                    // close, reported once the monitor is released.
                    extraClose = "extra close of " + this + " ignored: it is already closed"
                            + (s == STOPPING ? " and shutting down" : "")
                            + "; the final close came from " + finalCloseFrom;
                    break;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        if (extraClose != null) {
            if (LOG.isLoggable(Level.WARNING)) {
                LOG.log(Level.WARNING, extraClose + "; this close from " + caller());
            }
            return true;
        }
        runShutdown(action);
        return true;
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
            if (finaliseLater) {
                finalised = false;
            } else {
                finaliseLocked();
            }
            lock.notifyAll();
        }
        if (failure != null) {
            throw unchecked(failure, "shutdown");
        }
    }

    private IllegalStateException notFinal(int remaining) {
        return new IllegalStateException("close of " + this + " with ENFORCE_FINAL_CLOSE was not the final close: "
                + remaining + (remaining == 1 ? " open remains" : " opens remain"));
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
        synchronized (lock) {
            int s = state;
            if (s != CLOSED) {
                throw new IllegalStateException("finalise() of " + this + ": it is not closed (" + phase(s) + ")");
            }
            if (finalised) {
                throw new IllegalStateException("finalise() of " + this + ": already finalised");
            }
            finaliseLocked();
        }
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
        try {
            synchronized (lock) {
                if (settled()) {
                    return true;
                }
                if (transitionThread == Thread.currentThread()) {
                    throw new IllegalStateException("join() of " + this + " from inside its own "
                            + (state == STARTING ? "startup" : "shutdown") + " would wait for itself");
                }
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
        int o = opens;
        return (o & 1) == 0 && o > 0;
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
        int o = opens;
        return (o & 1) == 0 && o > 0 ? o >>> 1 : 0;
    }

    // --------------------------------------------------------------------------- leak detection

    /** @return what {@link LeakDetection} recorded for this object; null if nothing ever */
    final LeakDetection.Holders leakHolders() {
        return leakHolders;
    }

    private void recordOpen() {
        LeakDetection.Holders h = leakHolders;
        if (h == null) {
            synchronized (lock) {
                h = leakHolders;
                if (h == null) {
                    h = new LeakDetection.Holders(getClass().getName() + "@" + Integer.toHexString(System.identityHashCode(this)));
                    LeakDetection.watch(this, h);
                    leakHolders = h;
                }
            }
        }
        LeakDetection.record(h, "open");
    }

    private void recordClose() {
        LeakDetection.Holders h = leakHolders;
        LeakDetection.release(h, h.pick());
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

    /** Throws an unchecked failure as it is; wraps a checked one. */
    private RuntimeException unchecked(Throwable failure, String phase) {
        if (failure instanceof RuntimeException e) {
            return e;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        if (failure instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        return new LifecycleException(phase + " of " + this + " failed: " + failure, failure);
    }

    /** The first frame outside this class: who called open, close or a guard. */
    private static Optional<StackWalker.StackFrame> callerFrame() {
        return WALKER.walk(frames -> frames.dropWhile(f -> f.getDeclaringClass() == AbstractMultiOpen.class).findFirst());
    }

    private static String caller() {
        return "thread \"" + Thread.currentThread().getName() + "\" at "
                + callerFrame().map(Object::toString).orElse("an unknown place");
    }

    private static String callingMethod() {
        return callerFrame().map(f -> f.getMethodName() + "()").orElse("an operation");
    }
}
