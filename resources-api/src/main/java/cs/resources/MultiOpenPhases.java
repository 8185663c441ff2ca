package cs.resources;

/**
 * The phases of an {@link AbstractMultiOpen} and every change of them: the startups, with the
 * opens that join them; the final close and its shutdown; finalisation and the joiners; the
 * owner's hold and retirement. One monitor, this object's (private to the façade: nobody else can
 * lock it), guards every field; {@link #phase} and the counts for monitoring are also volatile, for
 * the queries that read them without it.
 *
 * <p>This class never runs code it does not own: the startup and shutdown actions, listeners,
 * {@code toString()} and stack walks are the façade's, made after a method here has returned. A
 * method here decides, under the monitor, what the calling thread does next, and says so in its
 * result; the façade does it. The only waits are on this monitor, for the changes a waiter needs
 * (a startup's end, a shutdown's end, a hold's open, a cycle settling); every change that ends
 * one notifies all waiters.
 *
 * <p>The count word ({@link MultiOpenCount}) is the fast path's. Under this monitor it goes from
 * open to not open only by the final close (2 to 1) and from not open to open only by a startup's
 * success; both happen here with the phase change, so that holding the monitor, the phase is
 * {@code OPEN} exactly when the word is open.
 */
final class MultiOpenPhases {

    /** The phase of the object, with the word its messages use. */
    enum Phase {
        NEW("never opened"),
        STARTING("starting up"),
        OPEN("open"),
        STOPPING("shutting down"),
        CLOSED("closed");

        final String words;

        Phase(String words) {
            this.words = words;
        }
    }

    /**
     * One startup attempt, from the open that runs it to its end: its thread, the opens it will
     * count when it succeeds (the starting thread's, reentrant ones included, and those of other
     * threads that arrived meanwhile and wait for it), and how it ended. Its fields are guarded by
     * the monitor.
     */
    private static final class Startup {
        final Thread thread;
        /** The starting thread's opens: its first one and those made from inside the startup. */
        int own = 1;
        /** The opens of other threads that wait for this attempt. */
        int joined;
        /** null while it runs; then SUCCEEDED or FAILED. */
        Outcome outcome;
        /** What it threw, once FAILED: every open that joined it throws that too. */
        Throwable failure;

        Startup(Thread thread) {
            this.thread = thread;
        }

        int total() {
            return own + joined;
        }
    }

    private enum Outcome { SUCCEEDED, FAILED }

    /** The owner's hold ({@link AbstractMultiOpen#holdOpen()}). */
    private enum Hold {
        NONE,
        /** A holdOpen() is opening, in {@link #holdThread}. */
        OPENING,
        /** Counted in the current cycle, not released yet. */
        HELD,
        /** Released by retire(), or ended with its cycle; never taken again. */
        DONE
    }

    /** What an open that found the count word not open does next. */
    enum OpenStep {
        /** Counted, into a startup that succeeded (or reentrantly into the running one). */
        COUNTED,
        /** The object is open now: add to the count word again. */
        RETRY_FAST,
        /** Run the startup of a new cycle, then call {@link #startupEnded}. */
        RUN_STARTUP,
        OVERFLOW,
        /** An open from inside the object's own shutdown. */
        IN_SHUTDOWN,
        RETIRED,
        /** Joined a startup that failed: throw its {@link Opening#failure()}. */
        JOINED_FAILED
    }

    /** The result of {@link #open()}: a step, and for JOINED_FAILED what the startup threw. */
    record Opening(OpenStep step, Throwable failure) {
        static final Opening COUNTED = new Opening(OpenStep.COUNTED, null);
        static final Opening RETRY_FAST = new Opening(OpenStep.RETRY_FAST, null);
        static final Opening RUN_STARTUP = new Opening(OpenStep.RUN_STARTUP, null);
        static final Opening OVERFLOW = new Opening(OpenStep.OVERFLOW, null);
        static final Opening IN_SHUTDOWN = new Opening(OpenStep.IN_SHUTDOWN, null);
        static final Opening RETIRED = new Opening(OpenStep.RETIRED, null);
    }

    /** What a close that the count word could not take does next. */
    enum CloseStep {
        /** The object is open with more than one open: subtract from the count word again. */
        RETRY_FAST,
        /** Done: nothing more to do. */
        DONE,
        /** This is the final close: run {@link Closing#action()}, then call {@link #shutdownEnded()}. */
        FINAL,
        /** This may be the final close: walk the caller's stack (outside the monitor) and come back with it. */
        NEED_CALLER,
        /** A close after the final one: warn, naming {@link Closing#finalFrom()}. */
        EXTRA,
        /** The object was never opened. */
        BEFORE_OPEN,
        /** The starting thread's close of its own first open, from inside the startup. */
        IN_STARTUP,
        /** Counted, with ENFORCE_FINAL_CLOSE, and {@link Closing#remaining()} opens remain. */
        NOT_FINAL
    }

    /**
     * The result of {@link #close}: a step, and what it needs: the opens remaining (NOT_FINAL), the
     * shutdown action (FINAL), where the final close came from and whether the shutdown still runs
     * (EXTRA).
     */
    record Closing(CloseStep step, int remaining, AutoCloseable action, String finalFrom, boolean stopping) {
        static final Closing RETRY_FAST = new Closing(CloseStep.RETRY_FAST, 0, null, null, false);
        static final Closing DONE = new Closing(CloseStep.DONE, 0, null, null, false);
        static final Closing NEED_CALLER = new Closing(CloseStep.NEED_CALLER, 0, null, null, false);
        static final Closing BEFORE_OPEN = new Closing(CloseStep.BEFORE_OPEN, 0, null, null, false);
        static final Closing IN_STARTUP = new Closing(CloseStep.IN_STARTUP, 0, null, null, false);
    }

    /** What {@link #beginHold()} decided. */
    enum HoldStep { OPEN_IT, TAKEN, RETIRED, IN_STARTUP }

    /**
     * A release of the hold: what leak detection recorded for it (null if nothing), and whether it
     * was the final close (then the caller runs {@code action} and calls {@link #shutdownEnded()}).
     */
    record Release(LeakDetection.Holder holder, boolean finalClose, AutoCloseable action) {
        static final Release NONE = new Release(null, false, null);
    }

    /** What {@link #join(long)} found. */
    enum Joined { SETTLED, TIMED_OUT, OWN_STARTUP, OWN_SHUTDOWN }

    private final MultiOpenCount count;
    private final boolean finaliseLater;

    /** The phase; written holding the monitor, read without it by the queries. */
    private volatile Phase phase = Phase.NEW;
    /** The running startup (STARTING); else null. */
    private Startup startup;
    /** The phase to go back to if the running startup fails (NEW or CLOSED). */
    private Phase beforeStartup;
    /** The thread running the final shutdown (STOPPING); else null. */
    private Thread stoppingThread;
    /** Whether the last cycle has been finalised (true while NEW). */
    private boolean finalised = true;
    /** Counts the moments the object settled (idle and finalised); joiners wait for a change. */
    private long settledEpoch;
    /** What the current cycle's startup returned, to run at its final close. */
    private AutoCloseable shutdownAction;
    /** Where the final close of the last cycle came from, for the extra-close warning. */
    private String finalCloseFrom;
    /** Set by {@link #retire}: no new cycle starts. */
    private boolean retired;
    private Hold hold = Hold.NONE;
    /** The thread of the holdOpen() that is opening (OPENING); else null. */
    private Thread holdThread;
    /** What leak detection recorded for the hold (HELD); null if nothing. */
    private LeakDetection.Holder holdHolder;

    /** What the last startup threw, until a startup succeeds. */
    private volatile Throwable lastStartupFailure;
    /** The counts for monitoring: only ever incremented, holding the monitor. */
    private volatile long startups;
    private volatile long startupFailures;
    private volatile long shutdowns;

    MultiOpenPhases(MultiOpenCount count, boolean finaliseLater) {
        this.count = count;
        this.finaliseLater = finaliseLater;
    }

    // ------------------------------------------------------------------------------------ open

    /**
     * An open that found the count word not open: counts it into the running startup (the
     * starting thread's reentrant open, or another thread's, which then waits for that startup's
     * end), waits for a running shutdown, or makes this thread the starter of a new cycle.
     */
    Opening open() {
        Thread me = Thread.currentThread();
        boolean interrupted = false;
        try {
            synchronized (this) {
                Startup joined = null;
                for (;;) {
                    if (joined != null) {
                        if (joined.outcome == Outcome.SUCCEEDED) {
                            return Opening.COUNTED; // counted into the cycle it waited for
                        }
                        if (joined.outcome == Outcome.FAILED) {
                            // Rolled back with it, and failed with it: no attempt of its own.
                            return new Opening(OpenStep.JOINED_FAILED, joined.failure);
                        }
                        interrupted |= await(0L);
                        continue;
                    }
                    if (count.isOpen()) {
                        return Opening.RETRY_FAST;
                    }
                    Phase s = phase;
                    if (s == Phase.STARTING) {
                        Startup st = startup;
                        if (st.total() >= MultiOpenCount.MAX_OPENS) {
                            return Opening.OVERFLOW;
                        }
                        if (st.thread == me) {
                            st.own++; // reentrant, from inside the startup
                            return Opening.COUNTED;
                        }
                        st.joined++;
                        joined = st;
                        continue;
                    }
                    if (s == Phase.STOPPING) {
                        if (stoppingThread == me) {
                            return Opening.IN_SHUTDOWN;
                        }
                        interrupted |= await(0L);
                        continue;
                    }
                    // NEW or CLOSED: this thread starts a new cycle, unless the object is retired.
                    if (retired) {
                        return Opening.RETIRED;
                    }
                    if (s == Phase.CLOSED && !finalised) {
                        finaliseLocked();
                    }
                    beforeStartup = s;
                    startup = new Startup(me);
                    phase = Phase.STARTING;
                    return Opening.RUN_STARTUP;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * The startup that {@link OpenStep#RUN_STARTUP} asked for has ended: on success, the count
     * word is published with every open of the attempt at once, before anyone is woken (so no
     * close can end the cycle under a waiter); on failure, all of them are rolled back and the
     * waiters fail with it.
     *
     * @param action what the startup returned, to run at the final close
     * @param failure what it threw; null if it succeeded
     */
    synchronized void startupEnded(AutoCloseable action, Throwable failure) {
        Startup st = startup;
        startup = null;
        if (failure == null) {
            shutdownAction = action;
            finalised = false;
            lastStartupFailure = null;
            count.publish(st.total());
            phase = Phase.OPEN;
            st.outcome = Outcome.SUCCEEDED;
            startups++; // holding the monitor: the only writer
        } else {
            phase = beforeStartup;
            lastStartupFailure = failure;
            startupFailures++;
            settledEpoch++;
            st.failure = failure;
            st.outcome = Outcome.FAILED;
        }
        notifyAll();
    }

    // ----------------------------------------------------------------------------------- close

    /**
     * A close that the count word could not take (the object is not open, or this may be its final
     * close).
     *
     * @param from where this close comes from; null until {@link CloseStep#NEED_CALLER} asked
     */
    Closing close(boolean enforceFinal, boolean unopenedOk, String from) {
        Thread me = Thread.currentThread();
        boolean interrupted = false;
        try {
            synchronized (this) {
                for (;;) {
                    if (count.isLastOpen()) {
                        if (from == null) {
                            return Closing.NEED_CALLER;
                        }
                        if (!count.endCycle()) {
                            continue; // an open or close of another thread got in first
                        }
                        return new Closing(CloseStep.FINAL, 0, beginShutdownLocked(me, from), null, false);
                    }
                    if (count.isOpen()) {
                        return Closing.RETRY_FAST;
                    }
                    Phase s = phase;
                    if (s == Phase.STARTING) {
                        Startup st = startup;
                        if (st.thread == me) {
                            if (st.own > 1) {
                                st.own--;
                                return enforceFinal ? new Closing(CloseStep.NOT_FINAL, st.total(), null, null, false)
                                        : Closing.DONE;
                            }
                            return Closing.IN_STARTUP;
                        }
                        interrupted |= await(0L); // judged on what it finds once the startup ended
                        continue;
                    }
                    if (s == Phase.NEW) {
                        return unopenedOk ? Closing.DONE : Closing.BEFORE_OPEN;
                    }
                    // CLOSED, or STOPPING (from inside shutdown or from another thread): an extra close.
                    return new Closing(CloseStep.EXTRA, 0, null, finalCloseFrom, s == Phase.STOPPING);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The count word has just ended the cycle (2 to 1): the object shuts down in {@code me}. */
    private AutoCloseable beginShutdownLocked(Thread me, String from) {
        phase = Phase.STOPPING;
        stoppingThread = me;
        finalCloseFrom = from;
        if (hold == Hold.HELD) {
            hold = Hold.DONE; // the cycle it held has ended (others' closes took its open)
            holdHolder = null;
        }
        AutoCloseable action = shutdownAction;
        shutdownAction = null;
        return action;
    }

    /** The shutdown of a final close has ended (whether it threw or not): the object is closed. */
    synchronized void shutdownEnded() {
        stoppingThread = null;
        phase = Phase.CLOSED;
        shutdowns++; // holding the monitor: the only writer
        if (finaliseLater) {
            finalised = false;
        } else {
            finaliseLocked();
        }
        notifyAll();
    }

    // -------------------------------------------------------------------------- hold, retire

    /** The start of a holdOpen(): whether this thread may open the hold. */
    synchronized HoldStep beginHold() {
        Thread me = Thread.currentThread();
        if (retired) {
            return HoldStep.RETIRED;
        }
        if (hold != Hold.NONE) {
            return HoldStep.TAKEN;
        }
        if (phase == Phase.STARTING && startup.thread == me) {
            return HoldStep.IN_STARTUP;
        }
        hold = Hold.OPENING;
        holdThread = me;
        return HoldStep.OPEN_IT;
    }

    /**
     * The end of a holdOpen() that {@link #beginHold()} let open: the hold is counted if the open
     * succeeded (else none was taken, and one may be tried again). If the object was retired
     * meanwhile by a retire() that could not wait for this hold, the hold is released here.
     *
     * @param opened whether the hold's open succeeded
     * @param recorded what leak detection recorded for it; null if nothing
     * @param from where this holdOpen() comes from, should its release be the final close
     */
    synchronized Release endHold(boolean opened, LeakDetection.Holder recorded, String from) {
        holdThread = null;
        hold = opened ? Hold.HELD : Hold.NONE;
        holdHolder = recorded;
        notifyAll();
        return opened && retired ? releaseHoldLocked(from) : Release.NONE;
    }

    /**
     * Retires the object: no new cycle from now on. Releases the hold if it is held, holding the
     * monitor, so that no close of another thread comes between the retirement and the release. A
     * holdOpen() opening in another thread is waited for (it counts as having come first), unless
     * it may be waiting for this thread: this thread runs the startup or the shutdown it waits for,
     * or is its own thread (a retire() from inside the startup it runs). Then it releases the hold
     * itself as it ends ({@link #endHold}).
     *
     * @param from where this retire() comes from, should the release be the final close
     * @return what was released; {@link Release#NONE} if nothing (or retired before)
     */
    Release retire(String from) {
        Thread me = Thread.currentThread();
        boolean interrupted = false;
        try {
            synchronized (this) {
                if (retired) {
                    return Release.NONE;
                }
                while (hold == Hold.OPENING && holdThread != me
                        && !(phase == Phase.STARTING && startup.thread == me)
                        && !(phase == Phase.STOPPING && stoppingThread == me)) {
                    interrupted |= await(0L);
                }
                retired = true;
                return hold == Hold.HELD ? releaseHoldLocked(from) : Release.NONE;
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Releases the held hold: one open less in the count word at once, or, if it is the last open,
     * the final close (the caller runs the shutdown). If the object is not open, others' closes
     * have taken the hold's open already (its cycle ended), and there is nothing left to release.
     */
    private Release releaseHoldLocked(String from) {
        LeakDetection.Holder recorded = holdHolder;
        hold = Hold.DONE;
        holdHolder = null;
        for (;;) {
            if (count.tryClose() >= 0) {
                return new Release(recorded, false, null);
            }
            if (count.isLastOpen()) {
                if (count.endCycle()) {
                    return new Release(recorded, true, beginShutdownLocked(Thread.currentThread(), from));
                }
                continue; // an open or close of another thread got in first
            }
            return new Release(recorded, false, null);
        }
    }

    synchronized boolean isRetired() {
        return retired;
    }

    // ------------------------------------------------------------------------ finalise, join

    /**
     * Finalises the closed cycle.
     *
     * @return null if this finalised it; otherwise the phase that forbids it (CLOSED: it was
     *     finalised already)
     */
    synchronized Phase finalise() {
        Phase s = phase;
        if (s == Phase.CLOSED && !finalised) {
            finaliseLocked();
            return null;
        }
        return s;
    }

    private void finaliseLocked() {
        finalised = true;
        settledEpoch++;
        notifyAll();
    }

    /**
     * Waits until the object settles: never opened, or closed and finalised.
     *
     * @param timeoutNanos the most to wait; below 0, no limit
     */
    Joined join(long timeoutNanos) {
        Thread me = Thread.currentThread();
        boolean interrupted = false;
        try {
            synchronized (this) {
                Phase s = phase;
                if (s == Phase.NEW || (s == Phase.CLOSED && finalised)) {
                    return Joined.SETTLED;
                }
                if (s == Phase.STARTING && startup.thread == me) {
                    return Joined.OWN_STARTUP;
                }
                if (s == Phase.STOPPING && stoppingThread == me) {
                    return Joined.OWN_SHUTDOWN;
                }
                long epoch = settledEpoch;
                long deadline = timeoutNanos < 0 ? 0L : System.nanoTime() + timeoutNanos;
                while (settledEpoch == epoch) {
                    long wait = 0L;
                    if (timeoutNanos >= 0) {
                        wait = deadline - System.nanoTime();
                        if (wait <= 0) {
                            return Joined.TIMED_OUT;
                        }
                    }
                    interrupted |= await(wait);
                }
                return Joined.SETTLED;
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Waits on the monitor (held by the caller) for at most {@code nanos} (0: no limit).
     *
     * @return whether the wait was interrupted
     */
    private boolean await(long nanos) {
        try {
            if (nanos == 0L) {
                wait();
            } else {
                wait(nanos / 1_000_000L, (int) (nanos % 1_000_000L));
            }
            return false;
        } catch (InterruptedException e) {
            return true;
        }
    }

    // -------------------------------------------------------------------------------- queries

    /** @return the phase, read without the monitor */
    Phase phase() {
        return phase;
    }

    /**
     * For {@code ensureOpen()}: whether the calling thread may use the object, read again under
     * the monitor (a startup in another thread may have completed since the caller looked).
     *
     * @return null if it is open, or this thread runs its startup; otherwise the phase seen
     */
    synchronized Phase phaseUnlessUsable() {
        Phase s = phase;
        if (count.isOpen() || (s == Phase.STARTING && startup.thread == Thread.currentThread())) {
            return null;
        }
        return s;
    }

    /**
     * @return whether the object is closed, read without the monitor: CLOSED or STOPPING, or OPEN
     *     with a count word that the final close has made odd and is about to say STOPPING (a
     *     startup makes the word open before it says OPEN: the phase is read first)
     */
    boolean isClosed() {
        Phase s = phase;
        return s == Phase.CLOSED || s == Phase.STOPPING || (s == Phase.OPEN && !count.isOpen());
    }

    Throwable lastStartupFailure() {
        return lastStartupFailure;
    }

    long startups() {
        return startups;
    }

    long startupFailures() {
        return startupFailures;
    }

    long shutdowns() {
        return shutdowns;
    }
}
