package cs.resources.itest.consumer;

import cs.resources.MultiOpen;
import cs.resources.RunState;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * A consumer of the provider's MultiOpen service (property {@code cs.resources.itest.role=provider}),
 * driven by the tests through a {@code Function<String, String>} service (property
 * {@code cs.resources.itest=consumer}): JDK types only, so that the test bundle and this one share
 * no package. Commands:
 * <ul>
 *   <li>{@code hold N [K]}: N new threads each open the MultiOpen K times (default 1) and keep it
 *       open; answers once all have opened: {@code held N} (or the exception one of them got);</li>
 *   <li>{@code keep}: from now on, a deactivation leaves the holders holding (a consumer that
 *       forgets to close before it stops);</li>
 *   <li>{@code closeTwice}: opens once and closes twice; {@code closed twice} or the exception;</li>
 *   <li>{@code release}: the oldest holder closes; answers {@code released} once its close
 *       returned (or the exception its close threw);</li>
 *   <li>{@code open}: opens and closes the last MultiOpen seen; {@code opened} or the exception;</li>
 *   <li>{@code holders}: how many threads hold an open.</li>
 * </ul>
 * It also registers two running RunStates as services, {@code consumer-worker-1} and
 * {@code consumer-worker-2}, for the whiteboard tests.
 */
@Component(service = Function.class, property = "cs.resources.itest=consumer", immediate = true)
public final class Consumer implements Function<String, String> {

    /** The last provider seen: kept after the provider goes away, as a client that holds it would. */
    private volatile MultiOpen provider;
    /** Release signals of the threads holding an open, oldest first; guarded by itself. */
    private final Deque<Holder> holders = new ArrayDeque<>();
    private final RunState[] workers = {new RunState("consumer-worker-1"), new RunState("consumer-worker-2")};
    /** Set by {@code keep}: deactivation does not release the holders. */
    private volatile boolean keep;

    private record Holder(Thread thread, CountDownLatch release, CompletableFuture<String> closed) {
    }

    @Activate
    public Consumer(BundleContext context) {
        for (RunState w : workers) {
            w.start();
            context.registerService(RunState.class, w, null);
        }
    }

    @Deactivate
    void deactivate() {
        for (RunState w : workers) {
            w.stop();
        }
        if (keep) {
            return; // the holders go on holding: the framework must clean up after this bundle
        }
        synchronized (holders) {
            holders.forEach(h -> h.release.countDown());
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = "(cs.resources.itest.role=provider)")
    void setProvider(MultiOpen multiOpen) {
        provider = multiOpen;
    }

    void unsetProvider(MultiOpen multiOpen) {
        // Keep it: the holders still use it, and "open" shows what a late client gets.
    }

    @Override
    public String apply(String command) {
        String[] words = command.trim().split("\\s+");
        try {
            return switch (words[0]) {
                case "hold" -> hold(Integer.parseInt(words[1]), words.length > 2 ? Integer.parseInt(words[2]) : 1);
                case "keep" -> {
                    keep = true;
                    yield "keeping";
                }
                case "closeTwice" -> closeTwice();
                case "release" -> release();
                case "open" -> open();
                case "holders" -> String.valueOf(holderCount());
                default -> throw new IllegalArgumentException("unknown command: " + command);
            };
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return e.toString();
        }
    }

    private String hold(int n, int perThread) throws InterruptedException {
        MultiOpen mo = provider;
        if (mo == null) {
            return "no provider";
        }
        CountDownLatch opened = new CountDownLatch(n);
        StringBuilder failures = new StringBuilder();
        for (int i = 0; i < n; i++) {
            CountDownLatch release = new CountDownLatch(1);
            CompletableFuture<String> closed = new CompletableFuture<>();
            Thread t = new Thread(() -> {
                try {
                    for (int k = 0; k < perThread; k++) {
                        mo.open();
                    }
                } catch (RuntimeException e) {
                    synchronized (failures) {
                        failures.append(e);
                    }
                    opened.countDown();
                    closed.complete("never opened");
                    return;
                }
                opened.countDown();
                try {
                    release.await();
                    for (int k = 0; k < perThread; k++) {
                        mo.close();
                    }
                    closed.complete("released");
                } catch (Throwable e) {
                    closed.complete(e.toString());
                }
            }, "consumer-holder-" + i);
            t.setDaemon(true);
            synchronized (holders) {
                holders.addLast(new Holder(t, release, closed));
            }
            t.start();
        }
        if (!opened.await(30, TimeUnit.SECONDS)) {
            return "timed out";
        }
        synchronized (failures) {
            return failures.length() == 0 ? "held " + n : failures.toString();
        }
    }

    private String release() throws InterruptedException {
        Holder h;
        synchronized (holders) {
            h = holders.pollFirst();
        }
        if (h == null) {
            return "nothing held";
        }
        h.release.countDown();
        try {
            return h.closed.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            return e.toString();
        }
    }

    private String open() {
        MultiOpen mo = provider;
        if (mo == null) {
            return "no provider";
        }
        try {
            mo.open().close();
            return "opened";
        } catch (RuntimeException e) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }

    private String closeTwice() {
        MultiOpen mo = provider;
        if (mo == null) {
            return "no provider";
        }
        try {
            mo.open();
            mo.close();
            mo.close();
            return "closed twice";
        } catch (RuntimeException e) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }

    private int holderCount() {
        synchronized (holders) {
            return holders.size();
        }
    }

    @Override
    public String toString() {
        return "Consumer" + Map.of("holders", holderCount());
    }
}
