package cs.resources;

import cs.resources.MultiOpenPhases.Closing;
import cs.resources.MultiOpenPhases.Joined;
import cs.resources.MultiOpenPhases.Opening;
import cs.resources.MultiOpenPhases.Phase;
import cs.resources.MultiOpenPhases.Release;
import cs.resources.internal.CloseOptions;
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
 * escape). Opening and closing at the edges of a cycle, the hold, retirement, {@link #join()} and
 * some queries use a monitor private to this object, which is never held while code of a subclass
 * runs ({@code startup}, {@code shutdown}, {@code toString}) or while a stack is walked. What
 * blocks: an open that arrives while another thread runs startup or a final shutdown, a close that
 * arrives during another thread's startup, {@link #join()}, and a {@link #retire()} that arrives
 * while another thread's {@link #holdOpen()} opens; none of these waits is interruptible (the
 * interrupt flag is restored). {@code docs/design.md} tells how.
 */
public abstract class AbstractMultiOpen implements MultiOpen {

    // The façade: the API, the calls of subclass code (startup, shutdown, toString) and of leak
    // detection, and every message. The count word is MultiOpenCount's (the lock-free fast
    // path); the phases, the monitor and every wait are MultiOpenPhases'. Each step of a slow
    // open or close asks the phases what to do next, then does it outside their monitor.

    private static final System.Logger LOG = System.getLogger(MultiOpen.class.getName());
    private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);
    private static final VarHandle LEAK_HOLDERS;

    static {
        try {
            LEAK_HOLDERS = MethodHandles.lookup().findVarHandle(AbstractMultiOpen.class, "leakHolders",
                    LeakDetection.Holders.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final MultiOpenCount count = new MultiOpenCount();
    private final MultiOpenPhases phases;
    /** The opens recorded by {@link LeakDetection}; null until it first records one. Set once, by compare-and-set. */
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
        this.phases = new MultiOpenPhases(count, finaliseLater);
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
        if (count.isOpen()) {
            return;
        }
        Phase seen = phases.phaseUnlessUsable();
        if (seen != null) {
            throw new ClosedException(callingMethod() + " on " + this + ": it is not open (" + describe(seen) + ")");
        }
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
     * races with {@link #retire()} from another thread counts as having come first: that
     * retire waits for it and releases the hold.
     *
     * @throws IllegalStateException if this object's hold was taken before (the message names
     *     this object), if called from inside this object's own startup, or as {@link #open()}
     * @throws ClosedException if this object is retired
     * @throws LifecycleException as {@link #open()}
     */
    protected final void holdOpen() {
        switch (phases.beginHold()) {
            case RETIRED -> throw new ClosedException("holdOpen() of " + this + ": it is closed for good (retired)");
            case TAKEN -> throw new IllegalStateException("holdOpen() of " + this
                    + ": its hold was taken before (at most one per object)");
            case IN_STARTUP -> throw new IllegalStateException("holdOpen() of " + this + " from inside its own startup");
            case OPEN_IT -> {
            }
        }
        boolean opened = false;
        LeakDetection.Holder recorded = null;
        Release release;
        try {
            countOpen();
            opened = true;
            if (LeakDetection.enabled) {
                recorded = LeakDetection.record(leakHolders(), LeakDetection.OPEN);
            }
        } finally {
            release = phases.endHold(opened, recorded, "holdOpen() in thread \"" + Thread.currentThread().getName()
                    + "\", released as it returned after retire()");
        }
        released(release);
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
        // The stack is walked before the monitor is taken; retire() is called once or twice per object.
        released(phases.retire(caller()));
    }

    /** After a release of the hold: forgets its leak record, and runs the shutdown if it was the final close. */
    private void released(Release release) {
        if (release.holder() != null) {
            LeakDetection.release(leakHolders, release.holder());
        }
        if (release.finalClose()) {
            runShutdown(release.action());
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
        countOpen();
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
        countOpen();
        OpenHandle h = new OpenHandle(this);
        if (LeakDetection.enabled) {
            h.track(leakHolders());
        }
        return h;
    }

    /** Counts one open, running startup if it is the first of a cycle. */
    private void countOpen() {
        for (;;) {
            int fast = count.tryOpen();
            if (fast == MultiOpenCount.OPENED) {
                return;
            }
            if (fast == MultiOpenCount.OVERFLOW) {
                throw overflow();
            }
            Opening next = phases.open();
            switch (next.step()) {
                case COUNTED:
                    return;
                case RETRY_FAST:
                    continue;
                case RUN_STARTUP:
                    runStartup();
                    return;
                case OVERFLOW:
                    throw overflow();
                case IN_SHUTDOWN:
                    throw new IllegalStateException("open() of " + this + " from inside its own shutdown");
                case RETIRED:
                    throw new ClosedException("open() of " + this + ": it is closed for good (retired)");
                case JOINED_FAILED:
                default:
                    throw unchecked(next.failure(), "startup", false);
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
        phases.startupEnded(action, failure);
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
        release(false, false);
        if (leakHolders != null) {
            recordClose();
        }
    }

    @Override
    public void close(CloseOption... options) {
        int bits = CloseOptions.parse(options);
        int remaining = release(CloseOptions.enforceFinal(bits), CloseOptions.unopenedOk(bits));
        if (leakHolders != null) {
            recordClose();
        }
        if (remaining >= 0) {
            throw new IllegalStateException("close of " + this + " with ENFORCE_FINAL_CLOSE was not the final close: "
                    + remaining + (remaining == 1 ? " open remains" : " opens remain"));
        }
    }

    /** The close of a handle ({@link OpenHandle}): it has released its own leak record. */
    final void closeHandle() {
        release(false, false);
    }

    /**
     * Releases one open, running shutdown if it is the final close.
     *
     * @return -1; or, for a close with ENFORCE_FINAL_CLOSE that was not the final one, how many
     *     opens remain (the caller throws, after its own bookkeeping)
     */
    private int release(boolean enforceFinal, boolean unopenedOk) {
        String from = null; // where this close comes from: walked outside the monitor, only when asked
        for (;;) {
            int remaining = count.tryClose();
            if (remaining >= 0) {
                return enforceFinal ? remaining : -1;
            }
            Closing next = phases.close(enforceFinal, unopenedOk, from);
            switch (next.step()) {
                case RETRY_FAST:
                    continue;
                case NEED_CALLER:
                    from = caller();
                    continue;
                case FINAL:
                    runShutdown(next.action());
                    return -1;
                case DONE:
                    return -1;
                case NOT_FINAL:
                    return next.remaining();
                case IN_STARTUP:
                    throw new IllegalStateException("close() of " + this
                            + " from inside its own startup would close it before open() returned");
                case BEFORE_OPEN:
                    throw new IllegalStateException("close before open: " + this + " was never opened");
                case EXTRA:
                default:
                    if (LOG.isLoggable(Level.WARNING)) {
                        LOG.log(Level.WARNING, "extra close of " + this + " ignored: it is already closed"
                                + (next.stopping() ? " and shutting down" : "") + "; the final close came from "
                                + next.finalFrom() + "; this close from " + (from != null ? from : caller()));
                    }
                    return -1;
            }
        }
    }

    /** Runs the shutdown of the final close, outside the monitor; the object ends closed whatever it throws. */
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
        phases.shutdownEnded();
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
        Phase seen = phases.finalise();
        if (seen == null) {
            return;
        }
        if (seen != Phase.CLOSED) {
            throw new IllegalStateException("finalise() of " + this + ": it is not closed (" + describe(seen) + ")");
        }
        throw new IllegalStateException("finalise() of " + this + ": already finalised");
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
        long nanos;
        try {
            nanos = timeout.toNanos();
        } catch (ArithmeticException e) {
            nanos = Long.MAX_VALUE;
        }
        return join(nanos);
    }

    /** Waits for the cycle to settle; {@code timeoutNanos < 0} waits without limit. */
    private boolean join(long timeoutNanos) {
        Joined joined = phases.join(timeoutNanos);
        return switch (joined) {
            case SETTLED -> true;
            case TIMED_OUT -> false;
            case OWN_STARTUP, OWN_SHUTDOWN -> throw new IllegalStateException("join() of " + this
                    + " from inside its own " + (joined == Joined.OWN_STARTUP ? "startup" : "shutdown")
                    + " would wait for itself");
        };
    }

    // ---------------------------------------------------------------------------------- queries

    @Override
    public boolean isOpen() {
        return count.isOpen();
    }

    @Override
    public boolean isClosed() {
        return phases.isClosed();
    }

    @Override
    public int openCount() {
        return count.count();
    }

    /** @return what the last startup threw, if it failed and none has succeeded since */
    @Override
    public Optional<Throwable> lastStartupFailure() {
        return Optional.ofNullable(phases.lastStartupFailure());
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
        return phases.startups();
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
        return phases.startupFailures();
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
        return phases.shutdowns();
    }

    /**
     * @return whether {@link #retire()} was called: from then on this object starts no new cycle
     */
    public final boolean isRetired() {
        return phases.isRetired();
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
            // getClass() and identityHashCode run no subclass code; a compare-and-set makes two
            // first recorders agree.
            LeakDetection.Holders made = new LeakDetection.Holders(
                    getClass().getName() + "@" + Integer.toHexString(System.identityHashCode(this)));
            h = (LeakDetection.Holders) LEAK_HOLDERS.compareAndExchange(this, null, made);
            if (h == null) {
                h = made;
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

    private String describe(Phase s) {
        return s == Phase.OPEN ? "open, count " + openCount() : s.words;
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
                || f.getDeclaringClass() == OpenHandle.class).findFirst());
    }

    private static String caller() {
        return "thread \"" + Thread.currentThread().getName() + "\" at "
                + callerFrame().map(Object::toString).orElse("an unknown place");
    }

    private static String callingMethod() {
        return callerFrame().map(f -> f.getMethodName() + "()").orElse("an operation");
    }
}
