package cs.resources;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** For contention tests: bodies run in several threads released at once by a barrier. */
final class Together {

    /** The body one thread runs, given its index (0 to n - 1). */
    @FunctionalInterface
    interface Worker {
        void run(int index) throws Exception;
    }

    private Together() {
    }

    /**
     * Runs {@code body(index)} in {@code n} tasks of {@code executor} (which must be able to run
     * {@code n} at once), released together; waits up to {@code timeout} for each and rethrows the
     * first failure (as the {@link java.util.concurrent.ExecutionException} of its future).
     */
    static void run(ExecutorService executor, int n, Worker body, Duration timeout) throws Exception {
        CyclicBarrier start = new CyclicBarrier(n);
        List<Future<Void>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int index = i;
            Callable<Void> task = () -> {
                start.await(10, TimeUnit.SECONDS);
                body.run(index);
                return null;
            };
            futures.add(executor.submit(task));
        }
        for (Future<Void> future : futures) {
            future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
    }
}
