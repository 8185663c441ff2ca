package cs.resources.impl;

import cs.resources.ClosedException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * The task service's admission: jobs wait in submission order and start only while fewer than
 * {@code limit} run. The limit may change at any time; lowering it lets the running jobs finish
 * and starts no job until fewer than the new limit run (a thread pool's resizing, which lets an
 * interrupted idle worker take a queued job, does not promise that). Plain Java, no framework.
 *
 * <p>Thread-safe: {@link #lock} guards the queue, the counts and the flag; it is never held while
 * a job runs or the executor is called.
 */
final class TaskQueue {

    private final Executor threads;
    private final Object lock = new Object();
    /** Guarded by lock. */
    private final Deque<Runnable> queued = new ArrayDeque<>();
    /** Jobs started and not finished. Guarded by lock. */
    private int running;
    /** Guarded by lock. */
    private int limit;
    /** The most that ever ran at once (for tests and the record). Guarded by lock. */
    private int mostRunning;
    /** Set by {@link #stop()}: nothing more is accepted or started. Guarded by lock. */
    private boolean stopped;

    /**
     * @param threads runs each started job on a thread of its own choosing (it must not queue
     *     them: the admission is here)
     * @param limit how many jobs may run at once
     * @throws IllegalArgumentException if {@code limit} is below 1
     */
    TaskQueue(Executor threads, int limit) {
        this.threads = Objects.requireNonNull(threads, "threads");
        this.limit = checkLimit(limit);
    }

    private static int checkLimit(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("threads must be at least 1, not " + limit);
        }
        return limit;
    }

    /**
     * Queues a job; it starts when a place is free.
     *
     * @throws ClosedException if {@link #stop()} was called (with {@code refused} as the message)
     */
    void submit(Runnable job, String refused) {
        submit(job, () -> refused);
    }

    /**
     * Queues a job; it starts when a place is free.
     *
     * @throws ClosedException if {@link #stop()} was called (with the message {@code refused}
     *     makes, only then)
     */
    void submit(Runnable job, java.util.function.Supplier<String> refused) {
        boolean accepted;
        synchronized (lock) {
            accepted = !stopped;
            if (accepted) {
                queued.addLast(job);
            }
        }
        if (!accepted) {
            throw new ClosedException(refused.get()); // the message is made, outside the lock, only when needed
        }
        dispatch();
    }

    /** @return whether {@code job} was still queued (it is removed and will never start) */
    boolean remove(Runnable job) {
        synchronized (lock) {
            return queued.removeIf(j -> j == job);
        }
    }

    /** Changes the limit; takes effect for the jobs that start from now on. */
    void setLimit(int newLimit) {
        checkLimit(newLimit);
        synchronized (lock) {
            limit = newLimit;
        }
        dispatch();
    }

    /**
     * Refuses new jobs and starts no queued one.
     *
     * @return the jobs that were queued, in submission order (never to start)
     */
    List<Runnable> stop() {
        synchronized (lock) {
            stopped = true;
            List<Runnable> left = new ArrayList<>(queued);
            queued.clear();
            return left;
        }
    }

    /** @return whether {@link #stop()} was called */
    boolean isStopped() {
        synchronized (lock) {
            return stopped;
        }
    }

    /** @return how many jobs run now */
    int running() {
        synchronized (lock) {
            return running;
        }
    }

    /** @return the most jobs that ever ran at once */
    int mostRunning() {
        synchronized (lock) {
            return mostRunning;
        }
    }

    /** @return how many jobs wait */
    int queued() {
        synchronized (lock) {
            return queued.size();
        }
    }

    /** Starts queued jobs while places are free. */
    private void dispatch() {
        List<Runnable> start = new ArrayList<>();
        synchronized (lock) {
            while (!stopped && running < limit && !queued.isEmpty()) {
                running++;
                mostRunning = Math.max(mostRunning, running);
                start.add(queued.pollFirst());
            }
        }
        for (Runnable job : start) {
            try {
                threads.execute(() -> run(job));
            } catch (RuntimeException e) {
                finished();
                throw e;
            }
        }
    }

    private void run(Runnable job) {
        try {
            job.run();
        } finally {
            finished();
        }
    }

    private void finished() {
        synchronized (lock) {
            running--;
        }
        dispatch();
    }
}
