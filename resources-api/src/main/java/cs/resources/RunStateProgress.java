package cs.resources;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The progress of one {@link RunState}: a done count, a total and a message. Made on the first
 * progress call, so that a RunState without progress carries none of this.
 *
 * <p>The done count and the total must change together (done never above a known total), yet an
 * {@code advance} must cost no lock and no allocation. So the total lives in an immutable
 * {@link Cell} beside a volatile done count that {@code advance} and {@code setDone} move with one
 * compare-and-set. {@code setTotal} replaces the cell: it links a new cell (the new total, the
 * current count) as the old one's successor, then retires the old one by a compare-and-set of its
 * count to {@link #RETIRED}, which fails if the count moved meanwhile (then it tries again).
 * Anyone who meets a retired cell swings {@link #cell} to its successor and tries again, so no
 * caller waits on another. The cell whose count is not retired is the current one; its count and
 * total are always a consistent pair, which readers get from two reads of one cell.
 *
 * <p>{@code setTotal} callers are serialized by this object's monitor (they are rare, and it keeps
 * the successor link single-writer); nothing else takes it, and no code but this class's runs
 * under it. The message is independent of the pair: a volatile field of its own.
 */
final class RunStateProgress {

    /** The count of a cell that is no longer current; never a real count (counts are not negative). */
    static final long RETIRED = -1;

    /** A total and the count against it. */
    static final class Cell {
        final long total;
        /** The done count, or {@link #RETIRED}; changed by compare-and-set only. */
        volatile long done;
        /** The cell that replaces this one; written (under the monitor) before this one is retired. */
        volatile Cell next;

        Cell(long total, long done) {
            this.total = total;
            this.done = done;
        }
    }

    private static final VarHandle DONE;
    private static final VarHandle CELL;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            DONE = lookup.findVarHandle(Cell.class, "done", long.class);
            CELL = lookup.findVarHandle(RunStateProgress.class, "cell", Cell.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The current cell, or one retired whose successor is current. */
    private volatile Cell cell = new Cell(0, 0);

    /** The message; never null. */
    private volatile String message = "";

    /** The done count when the RunState last started, for the rate; guarded by the RunState's lock. */
    long doneAtStart;

    /** @return the current cell whose count was not retired when read, with that count */
    private Cell current() {
        for (;;) {
            Cell c = cell;
            if (c.done != RETIRED) {
                return c;
            }
            CELL.compareAndSet(this, c, c.next);
        }
    }

    /** @return a consistent snapshot */
    RunState.Progress snapshot() {
        for (;;) {
            Cell c = cell;
            long d = c.done;
            if (d != RETIRED) {
                return new RunState.Progress(d, c.total, message);
            }
            CELL.compareAndSet(this, c, c.next);
        }
    }

    /** @return the done count now */
    long done() {
        for (;;) {
            Cell c = cell;
            long d = c.done;
            if (d != RETIRED) {
                return d;
            }
            CELL.compareAndSet(this, c, c.next);
        }
    }

    void advance(long n, RunState owner) {
        if (n < 0) {
            throw new IllegalArgumentException("advance(" + n + ") on " + owner + ": negative count");
        }
        for (;;) {
            Cell c = cell;
            long d = c.done;
            if (d == RETIRED) {
                CELL.compareAndSet(this, c, c.next);
                continue;
            }
            long next = d + n;
            if (next < 0) {
                throw new IllegalArgumentException("advance(" + n + ") on " + owner + ": the done count " + d
                        + " would overflow");
            }
            long total = c.total;
            if (total != 0 && next > total) {
                throw new IllegalArgumentException("advance(" + n + ") on " + owner + ": the done count would be "
                        + next + ", above the total " + total);
            }
            if (n == 0 || DONE.compareAndSet(c, d, next)) {
                return;
            }
        }
    }

    void setDone(long done, RunState owner) {
        if (done < 0) {
            throw new IllegalArgumentException("setDone(" + done + ") on " + owner + ": negative count");
        }
        for (;;) {
            Cell c = cell;
            long d = c.done;
            if (d == RETIRED) {
                CELL.compareAndSet(this, c, c.next);
                continue;
            }
            long total = c.total;
            if (total != 0 && done > total) {
                throw new IllegalArgumentException("setDone(" + done + ") on " + owner + ": above the total " + total);
            }
            if (d == done || DONE.compareAndSet(c, d, done)) {
                return;
            }
        }
    }

    void setTotal(long total, RunState owner) {
        if (total < 0) {
            throw new IllegalArgumentException("setTotal(" + total + ") on " + owner + ": negative total");
        }
        long refused;
        synchronized (this) {
            for (;;) {
                Cell c = current();
                long d = c.done;
                if (d == RETIRED) {
                    continue; // retired between the two reads: by nobody but us, so never; defensive
                }
                if (total != 0 && d > total) {
                    refused = d;
                    break;
                }
                if (c.total == total) {
                    return;
                }
                Cell n = new Cell(total, d);
                c.next = n;
                if (DONE.compareAndSet(c, d, RETIRED)) {
                    CELL.compareAndSet(this, c, n);
                    return;
                }
                // The count moved (an advance or setDone): try again with the new count.
            }
        }
        throw new IllegalArgumentException("setTotal(" + total + ") on " + owner + ": below the done count " + refused);
    }

    /**
     * The time left at the rate since the start: the time since the start, times the units left,
     * divided by the units done since the start.
     *
     * @param start when the RunState started
     * @param doneAtStart the done count then
     * @param clock the RunState's clock, read after the progress
     * @return zero when a known total is done; empty when the total is unknown, or nothing was
     *     done (or no time passed) since the start
     */
    Optional<Duration> eta(Instant start, long doneAtStart, Clock clock) {
        RunState.Progress p = snapshot();
        if (p.total() == 0) {
            return Optional.empty();
        }
        long left = p.total() - p.done();
        if (left == 0) {
            return Optional.of(Duration.ZERO);
        }
        long gained = p.done() - doneAtStart;
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

    void setMessage(String message) {
        this.message = message;
    }
}
