package cs.resources.testing;

import cs.resources.LeakDetection;
import cs.resources.Registration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test that leaves behind an open of a MultiOpen or a lease from a Pool: it switches
 * {@link LeakDetection} on around each test and, after it, fails the test if anything opened or
 * leased during it is still held, or was reported leaked (became unreachable unclosed) meanwhile.
 * The failure lists each holder with the thread and the stack that opened or leased it.
 *
 * <pre>{@code
 * @ExtendWith(LeakDetectionExtension.class)
 * class DaoTest { ... }
 * }</pre>
 *
 * <p>A test's opens and leases are told apart from its neighbours' by
 * {@link LeakDetection#mark()}; run tests that share resources in the same thread, or not in
 * parallel, for a precise attribution. Detection is restored to what it was after each test.
 */
public final class LeakDetectionExtension implements BeforeEachCallback, AfterEachCallback {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(LeakDetectionExtension.class);

    /** What one test started with. */
    private static final class Watch {
        final boolean wasEnabled = LeakDetection.isEnabled();
        final long mark = LeakDetection.mark();
        final List<LeakDetection.Leak> leaks = new CopyOnWriteArrayList<>();
        final Registration listener = LeakDetection.onLeak(leaks::add);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        Watch w = new Watch(); // first: it remembers whether detection was on
        LeakDetection.setEnabled(true);
        context.getStore(NAMESPACE).put(context.getUniqueId(), w);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        Watch w = context.getStore(NAMESPACE).remove(context.getUniqueId(), Watch.class);
        if (w == null) {
            return;
        }
        w.listener.close();
        LeakDetection.setEnabled(w.wasEnabled);
        List<LeakDetection.Holder> held = LeakDetection.heldSince(w.mark);
        List<LeakDetection.Holder> leaked = new ArrayList<>();
        w.leaks.forEach(l -> l.holders().stream().filter(h -> h.sequence() > w.mark).forEach(leaked::add));
        if (held.isEmpty() && leaked.isEmpty()) {
            return;
        }
        StringBuilder message = new StringBuilder(context.getDisplayName()).append(" leaked ");
        int n = held.size() + leaked.size();
        message.append(n).append(n == 1 ? " open or lease" : " opens or leases").append(":\n");
        if (!held.isEmpty()) {
            message.append("still held after the test:\n")
                    .append(held.stream().map(LeakDetection.Holder::describe).collect(Collectors.joining("\n")))
                    .append('\n');
        }
        if (!leaked.isEmpty()) {
            message.append("unreachable without having been closed:\n")
                    .append(leaked.stream().map(LeakDetection.Holder::describe).collect(Collectors.joining("\n")))
                    .append('\n');
        }
        throw new AssertionError(message.toString());
    }
}
