package cs.resources;

import java.time.Duration;
import java.util.Comparator;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Spliterator;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * The waits and the iteration of a {@link RunState} (docs/design.md, section 5, "What takes the
 * lock, and what blocks"): {@code sleep} and {@code waitWhilePaused} wait on the RunState's lock
 * and wake on the {@code notifyAll} of a cancel, a resume or a stop; with a cancel poll they wait
 * in slices of {@value RunState#POLL_INTERVAL_MILLIS} ms and ask the poll between slices, outside
 * the lock. {@code untilCancelled} views wait out a pause before each element, then check the
 * cancel.
 */
final class RunStateWaits {

    private RunStateWaits() {
    }

    /** @see RunState#sleep(Duration) */
    static boolean sleep(RunState rs, Duration duration) throws InterruptedException {
        Objects.requireNonNull(duration, "duration");
        if (duration.isNegative()) {
            throw new IllegalArgumentException("sleep(" + duration + ") on " + rs + ": negative duration");
        }
        waitWhilePaused(rs);
        long nanos;
        try {
            nanos = duration.toNanos();
        } catch (ArithmeticException e) {
            nanos = Long.MAX_VALUE;
        }
        long deadline = System.nanoTime() + nanos;
        for (;;) {
            boolean polled = (rs.flags & RunState.POLLED) != 0;
            if (polled && rs.isCancelled()) { // the poll runs here, outside the lock
                if (Thread.interrupted()) {
                    throw new InterruptedException("sleep of " + rs + " interrupted");
                }
                return false;
            }
            synchronized (rs.lock) {
                for (;;) {
                    if (Thread.interrupted()) {
                        throw new InterruptedException("sleep of " + rs + " interrupted");
                    }
                    if ((rs.flags & RunState.CANCELLED) != 0) {
                        return false;
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return true;
                    }
                    if (polled) {
                        left = Math.min(left, TimeUnit.MILLISECONDS.toNanos(RunState.POLL_INTERVAL_MILLIS));
                    }
                    rs.lock.wait(left / 1_000_000L, (int) (left % 1_000_000L));
                    if (polled) {
                        break; // ask the poll again, outside the lock
                    }
                }
            }
        }
    }

    /** @see RunState#waitWhilePaused() */
    static void waitWhilePaused(RunState rs) throws InterruptedException {
        if ((rs.flags & RunState.PAUSED) == 0) {
            return;
        }
        for (;;) {
            boolean polled = (rs.flags & RunState.POLLED) != 0;
            if (polled && rs.isCancelled()) { // a cancel from the poll ends the pause
                return;
            }
            synchronized (rs.lock) {
                for (;;) {
                    if ((rs.flags & RunState.PAUSED) == 0) {
                        return;
                    }
                    if (Thread.interrupted()) {
                        throw new InterruptedException("waitWhilePaused() of " + rs + " interrupted");
                    }
                    if (polled) {
                        rs.lock.wait(RunState.POLL_INTERVAL_MILLIS);
                        break;
                    }
                    rs.lock.wait();
                }
            }
        }
    }

    /**
     * Waits out a pause (an interrupt stops the wait, with the flag set again), then asks
     * {@link RunState#isCancelled()}.
     */
    static boolean cancelledAfterPause(RunState rs) {
        if ((rs.flags & RunState.PAUSED) != 0) {
            try {
                waitWhilePaused(rs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return rs.isCancelled();
    }

    /** @see RunState#untilCancelled(Iterable) */
    static <E> Iterable<E> untilCancelled(RunState rs, Iterable<E> items) {
        Objects.requireNonNull(items, "items");
        return () -> new Iterator<>() {
            private final Iterator<E> it = items.iterator();

            @Override
            public boolean hasNext() {
                return !cancelledAfterPause(rs) && it.hasNext();
            }

            @Override
            public E next() {
                if (!hasNext()) {
                    throw new NoSuchElementException(rs + ": no more items (cancelled or done)");
                }
                return it.next();
            }

            @Override
            public void remove() {
                it.remove();
            }
        };
    }

    /** @see RunState#untilCancelled(Stream) */
    static <E> Stream<E> untilCancelled(RunState rs, Stream<E> items) {
        Objects.requireNonNull(items, "items");
        return StreamSupport.stream(new UntilCancelled<>(rs, items.spliterator()), items.isParallel()).onClose(items::close);
    }

    /** A spliterator that stops before each element once the RunState is cancelled. */
    private static final class UntilCancelled<E> implements Spliterator<E> {
        private final RunState rs;
        private final Spliterator<E> source;

        UntilCancelled(RunState rs, Spliterator<E> source) {
            this.rs = rs;
            this.source = source;
        }

        @Override
        public boolean tryAdvance(Consumer<? super E> action) {
            return !cancelledAfterPause(rs) && source.tryAdvance(action);
        }

        @Override
        public Spliterator<E> trySplit() {
            Spliterator<E> split = source.trySplit();
            return split == null ? null : new UntilCancelled<>(rs, split);
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
}
