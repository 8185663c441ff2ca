package cs.resources;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Options;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Linearizability of {@link AbstractMultiOpen}'s counting, checked by Lincheck against a plain
 * sequential counter ({@link Spec}): every history of concurrent {@code open()}, {@code close()},
 * {@code close(ENFORCE_FINAL_CLOSE, UNOPENED_OK)}, {@code isOpen()} and {@code openCount()} calls
 * must be explainable by running the calls one at a time, each at some instant between its start
 * and its return. A second pair of tests does the same with startups and shutdowns that fail now
 * and then, which the specification predicts.
 *
 * <p>Startups and shutdowns are counted through the results of the calls that run them: an open
 * reports whether it ran startup, a close whether it ran shutdown, so the specification says which
 * call runs each one, and a validation after each run checks that they never overlapped and that
 * they balance (the resource is up exactly when the object is open).
 *
 * <p>Three things are left out because the contract itself makes them non-linearizable: startup
 * and shutdown run inside the open or close that triggers them, and observers may see that
 * in-between phase. A separate reader of the startup and shutdown counters sees a startup before
 * the open that runs it takes effect. {@code isClosed()} is false while a startup runs (as
 * documented), also when it reopens a closed object; Lincheck shows the consequence in three
 * operations: after {@code open(); close()}, one thread's {@code open()} runs startup while another
 * thread sees {@code isClosed() == false} and then {@code openCount() == 0}, which no sequential
 * order explains. {@code join(Duration.ZERO)} likewise reports the phases (false while a first
 * startup or a final shutdown runs).
 *
 * <p>An open or close that finds another thread's startup or final shutdown running waits on the
 * object's monitor; Lincheck's model checker schedules monitor waits and notifications itself, so
 * such scenarios are explored like any other (no operation blocks for good, so none is marked
 * blocking). See {@link LincheckMode} for the quick and long modes.
 */
@Timeout(value = 1, unit = TimeUnit.HOURS) // LincheckMode's budget is the real limit
class MultiOpenLincheckTest {

    private static final LincheckMode MODE = LincheckMode.current();
    private static final Logger LOG = Logger.getLogger(MultiOpen.class.getName());
    private static Level savedLevel;

    /** Extra closes log a warning each: thousands per run, and not what is checked here. */
    @BeforeAll
    static void silenceExtraCloseWarnings() {
        savedLevel = LOG.getLevel();
        LOG.setLevel(Level.OFF);
    }

    @AfterAll
    static void restoreLogging() {
        LOG.setLevel(savedLevel);
    }

    @Test
    void modelChecking() {
        check(modelChecking(Spec.class), Counting.class);
    }

    @Test
    void stress() {
        check(stress(Spec.class), Counting.class);
    }

    @Test
    void modelCheckingWithTheHoldAndRetire() {
        check(modelChecking(Spec.class), Holding.class);
    }

    @Test
    void stressWithTheHoldAndRetire() {
        check(stress(Spec.class), Holding.class);
    }

    @Test
    void modelCheckingWithFailingStartupsAndShutdowns() {
        check(modelChecking(FailingSpec.class), Failing.class);
    }

    @Test
    void stressWithFailingStartupsAndShutdowns() {
        check(stress(FailingSpec.class), Failing.class);
    }

    /** Three threads of two operations each, after three and before two operations in one thread. */
    private static ModelCheckingOptions modelChecking(Class<? extends Spec> spec) {
        return MODE.modelChecking()
                .threads(3).actorsPerThread(2).actorsBefore(3).actorsAfter(2)
                .sequentialSpecification(spec);
    }

    /** Two threads (as many as CI's cores) of three operations each, between the same. */
    private static StressOptions stress(Class<? extends Spec> spec) {
        return MODE.stress()
                .threads(2).actorsPerThread(3).actorsBefore(3).actorsAfter(2)
                .sequentialSpecification(spec);
    }

    private static void check(Options<?, ?> options, Class<?> testClass) {
        MODE.check(options, testClass);
    }

    // ------------------------------------------------------------------------ under test

    /** What a startup or shutdown injected to fail throws. */
    static final class InjectedFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        InjectedFailure(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Counts its startups and shutdowns, notes in the calling thread that it ran one, and records
     * any overlap. Startup attempt {@code n} fails when {@code n % failStartupEvery ==
     * failStartupEvery - 1}, shutdown {@code n} when {@code n % failShutdownEvery == 0} (0: never).
     */
    static final class Probe extends AbstractMultiOpen {
        /** Set by startup or shutdown in the thread that runs it; read by the operation that called. */
        static final ThreadLocal<String> RAN = new ThreadLocal<>();

        private final int failStartupEvery;
        private final int failShutdownEvery;
        private final AtomicInteger startupAttempts = new AtomicInteger();
        private final AtomicInteger shutdowns = new AtomicInteger();
        /** Startups completed minus shutdowns begun: 1 while the resource is up, else 0. */
        final AtomicInteger up = new AtomicInteger();
        /** Whether a startup or shutdown is running now. */
        private final AtomicBoolean transition = new AtomicBoolean();
        final AtomicInteger overlaps = new AtomicInteger();

        Probe(int failStartupEvery, int failShutdownEvery) {
            this.failStartupEvery = failStartupEvery;
            this.failShutdownEvery = failShutdownEvery;
        }

        @Override
        protected void startup() {
            enter();
            try {
                int n = startupAttempts.incrementAndGet();
                if (failStartupEvery > 0 && n % failStartupEvery == failStartupEvery - 1) {
                    RAN.set("startup failed");
                    throw new InjectedFailure("startup " + n);
                }
                if (up.getAndIncrement() != 0) {
                    overlaps.incrementAndGet();
                }
                RAN.set("startup");
            } finally {
                leave();
            }
        }

        @Override
        protected void shutdown() {
            enter();
            try {
                int n = shutdowns.incrementAndGet();
                if (up.getAndDecrement() != 1) {
                    overlaps.incrementAndGet();
                }
                if (failShutdownEvery > 0 && n % failShutdownEvery == 0) {
                    RAN.set("shutdown failed");
                    throw new InjectedFailure("shutdown " + n);
                }
                RAN.set("shutdown");
            } finally {
                leave();
            }
        }

        private void enter() {
            if (!transition.compareAndSet(false, true)) {
                overlaps.incrementAndGet();
            }
        }

        private void leave() {
            transition.set(false);
        }
    }

    /**
     * The Lincheck test class: its operations drive one {@link Probe}. Each returns a word the
     * specification also computes: what the call did, or the error it met.
     */
    public static class Counting {
        final Probe probe;

        public Counting() {
            this(0, 0);
        }

        Counting(int failStartupEvery, int failShutdownEvery) {
            probe = new Probe(failStartupEvery, failShutdownEvery);
        }

        /**
         * {@code open()}: "startup" if this call ran it, "open" otherwise, "startup failed" if it
         * ran a startup that failed, "retired" if the object is retired at count 0.
         *
         * <p>An open that waited for another thread's startup, which failed, fails with that
         * attempt's exception without an attempt of its own. A sequential specification cannot
         * say that (it would need the open to know that it overlapped the failing one), so this
         * operation checks that it got an injected failure and opens again: what the library did
         * itself before the third round. Everything else is checked as it is.
         */
        @Operation
        public String open() {
            return open(false);
        }

        String open(boolean hold) {
            for (;;) {
                Probe.RAN.remove();
                try {
                    if (hold) {
                        probe.holdOpen();
                    } else {
                        probe.open();
                    }
                    return Probe.RAN.get() != null ? Probe.RAN.get() : "open";
                } catch (InjectedFailure e) {
                    if (Probe.RAN.get() != null) {
                        return Probe.RAN.get();
                    }
                    // joined another thread's failed attempt: try again
                } catch (ClosedException e) {
                    return "retired";
                } catch (IllegalStateException e) {
                    if (String.valueOf(e.getMessage()).contains("hold was taken before")) {
                        return "hold taken";
                    }
                    throw e;
                } finally {
                    Probe.RAN.remove();
                }
            }
        }

        /** {@code close()}: "shutdown" if this call ran it, "close" otherwise, or the error. */
        @Operation
        public String close() {
            return close(false);
        }

        /**
         * {@code close(ENFORCE_FINAL_CLOSE, UNOPENED_OK)}: as {@link #close()}, but "not final" when
         * opens remain (after the decrement), and "close" when never opened.
         */
        @Operation
        public String closeFinal() {
            return close(true);
        }

        private String close(boolean enforceFinal) {
            Probe.RAN.remove();
            try {
                if (enforceFinal) {
                    probe.close(CloseOption.ENFORCE_FINAL_CLOSE, CloseOption.UNOPENED_OK);
                } else {
                    probe.close();
                }
                return Probe.RAN.get() != null ? Probe.RAN.get() : "close";
            } catch (InjectedFailure e) {
                return Probe.RAN.get();
            } catch (IllegalStateException e) {
                String message = String.valueOf(e.getMessage());
                if (message.startsWith("close before open")) {
                    return "close before open";
                }
                if (message.contains("was not the final close")) {
                    return "not final";
                }
                throw e;
            } finally {
                Probe.RAN.remove();
            }
        }

        @Operation
        public boolean isOpen() {
            return probe.isOpen();
        }

        @Operation
        public int openCount() {
            return probe.openCount();
        }

        /** After each run: startups and shutdowns never overlapped, and the resource is up iff open. */
        @Validate
        public void startupsAndShutdownsBalance() {
            if (probe.overlaps.get() != 0) {
                throw new IllegalStateException(probe.overlaps.get() + " startups or shutdowns overlapped");
            }
            int expected = probe.isOpen() ? 1 : 0;
            if (probe.up.get() != expected) {
                throw new IllegalStateException("startups minus shutdowns is " + probe.up.get()
                        + " but the object is " + (probe.isOpen() ? "open" : "not open"));
            }
        }
    }

    /** {@link Counting} with startup attempts 2, 5, 8, ... and shutdowns 2, 4, 6, ... failing. */
    public static class Failing extends Counting {
        public Failing() {
            super(3, 2);
        }
    }

    /**
     * The owner's hold and retirement, with opens and closes. The observers ({@code isOpen()},
     * {@code openCount()}) are left out here, for the reason given above: a startup that runs
     * when {@code retire()} is called goes on and opens the object (its cycle is the one in
     * progress), and an observer may see it not open after {@code retire()} returned and before
     * that startup ends.
     */
    public static class Holding {
        private final Counting counting = new Counting();

        @Operation
        public String open() {
            return counting.open();
        }

        @Operation
        public String close() {
            return counting.close();
        }

        /** {@code holdOpen()}: as {@link #open()}, or "hold taken", or "retired". */
        @Operation
        public String holdOpen() {
            return counting.open(true);
        }

        /** {@code retire()}: "shutdown" if releasing the hold ran it, else "retired". */
        @Operation
        public String retire() {
            Probe.RAN.remove();
            try {
                counting.probe.retire();
                return Probe.RAN.get() != null ? Probe.RAN.get() : "retired";
            } finally {
                Probe.RAN.remove();
            }
        }

        @Validate
        public void startupsAndShutdownsBalance() {
            counting.startupsAndShutdownsBalance();
        }
    }

    // ------------------------------------------------------------------- specification

    /** What MultiOpen promises, one call at a time: a counter with a startup and a shutdown. */
    public static class Spec {
        private final int failStartupEvery;
        private final int failShutdownEvery;
        private int count;
        private boolean opened;
        private int startupAttempts;
        private int shutdowns;
        private boolean retired;
        private boolean holdTaken;
        private boolean held;

        public Spec() {
            this(0, 0);
        }

        Spec(int failStartupEvery, int failShutdownEvery) {
            this.failStartupEvery = failStartupEvery;
            this.failShutdownEvery = failShutdownEvery;
        }

        public String open() {
            if (count > 0) {
                count++;
                return "open";
            }
            if (retired) {
                return "retired";
            }
            startupAttempts++;
            if (failStartupEvery > 0 && startupAttempts % failStartupEvery == failStartupEvery - 1) {
                return "startup failed"; // rolled back: the count stays 0
            }
            count = 1;
            opened = true;
            return "startup";
        }

        public String close() {
            if (count == 0) {
                return opened ? "close" : "close before open"; // an extra close changes nothing
            }
            return decrement();
        }

        public String closeFinal() {
            if (count == 0) {
                return "close"; // UNOPENED_OK, or an extra close
            }
            String result = decrement();
            return count > 0 ? "not final" : result;
        }

        private String decrement() {
            if (--count > 0) {
                return "close";
            }
            held = false; // the hold ends with its cycle
            shutdowns++;
            return failShutdownEvery > 0 && shutdowns % failShutdownEvery == 0 ? "shutdown failed" : "shutdown";
        }

        public String holdOpen() {
            if (retired) {
                return "retired";
            }
            if (holdTaken) {
                return "hold taken";
            }
            String result = open();
            if (!result.equals("startup failed")) {
                holdTaken = true;
                held = true;
            }
            return result;
        }

        public String retire() {
            if (retired) {
                return "retired";
            }
            retired = true;
            if (!held) {
                return "retired";
            }
            held = false;
            String result = close();
            return result.startsWith("shutdown") ? result : "retired";
        }

        public boolean isOpen() {
            return count > 0;
        }

        public int openCount() {
            return count;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Spec s && s.count == count && s.opened == opened
                    && s.startupAttempts == startupAttempts && s.shutdowns == shutdowns
                    && s.retired == retired && s.holdTaken == holdTaken && s.held == held;
        }

        @Override
        public int hashCode() {
            int flags = (opened ? 1 : 0) | (retired ? 2 : 0) | (holdTaken ? 4 : 0) | (held ? 8 : 0);
            return ((count * 31 + flags) * 31 + startupAttempts) * 31 + shutdowns;
        }
    }

    /** {@link Spec} for {@link Failing}. */
    public static class FailingSpec extends Spec {
        public FailingSpec() {
            super(3, 2);
        }
    }
}
