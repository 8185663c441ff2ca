package cs.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class LeakDetectionTest {

    private boolean wasEnabled;
    private long mark;
    private final List<LeakDetection.Leak> leaks = new CopyOnWriteArrayList<>();
    private Registration listener;

    @BeforeEach
    void on() {
        wasEnabled = LeakDetection.isEnabled();
        LeakDetection.setEnabled(true);
        mark = LeakDetection.mark();
        listener = LeakDetection.onLeak(leaks::add);
    }

    @AfterEach
    void restore() {
        listener.close();
        LeakDetection.setEnabled(wasEnabled);
    }

    static final class Thing extends AbstractMultiOpen {
        boolean failStartup;

        @Override
        protected void startup() {
            if (failStartup) {
                throw new IllegalStateException("no");
            }
        }
    }

    @Test
    void offByDefaultAndThenNothingIsRecorded() {
        LeakDetection.setEnabled(false);
        assertThat(Boolean.getBoolean(LeakDetection.PROPERTY)).as("the build does not switch it on").isFalse();
        Thing t = new Thing();
        t.open();
        Pool<Object> pool = new Pool<>(Object::new);
        Pool.Lease<Object> lease = pool.instance();
        assertThat(LeakDetection.heldSince(mark)).isEmpty();
        assertThat(LeakDetection.holders(t)).isEmpty();
        assertThat(LeakDetection.holders(pool)).isEmpty();
        lease.close();
        t.close();
    }

    @Test
    void recordsEachOpenWithItsThreadAndCallerUntilItIsClosed() throws Exception {
        Thing t = new Thing();
        t.open();
        t.open();
        List<LeakDetection.Holder> held = LeakDetection.holders(t);
        assertThat(held).hasSize(2).allSatisfy(h -> {
            assertThat(h.kind()).isEqualTo("open");
            assertThat(h.thread()).isEqualTo(Thread.currentThread().getName());
            assertThat(h.opener()).contains("LeakDetectionTest.recordsEachOpenWithItsThreadAndCallerUntilItIsClosed");
            assertThat(h.resource()).startsWith(Thing.class.getName() + "@");
        });
        assertThat(held.get(0).sequence()).isLessThan(held.get(1).sequence());
        assertThat(LeakDetection.heldSince(mark)).containsExactlyElementsOf(held);

        // Plain opens belong to nobody: a plain close forgets the latest plain open, whichever
        // thread made it (handles are what ties a close to its open).
        Thread other = new Thread(t::open, "other-opener");
        other.start();
        other.join();
        t.close();
        assertThat(LeakDetection.holders(t)).extracting(LeakDetection.Holder::thread)
                .containsExactly(Thread.currentThread().getName(), Thread.currentThread().getName());
        t.close();
        t.close(); // the final close forgets whatever is left
        assertThat(LeakDetection.holders(t)).isEmpty();
        assertThat(LeakDetection.heldSince(mark)).isEmpty();
    }

    @Test
    void opensRolledBackWithAFailedStartupAreForgotten() {
        Thing t = new Thing();
        t.failStartup = true;
        assertThatThrownBy(t::open).isInstanceOf(IllegalStateException.class);
        assertThat(LeakDetection.holders(t)).isEmpty();
        t.failStartup = false;
        t.open();
        assertThat(LeakDetection.holders(t)).hasSize(1);
        t.close();
        assertThat(LeakDetection.holders(t)).isEmpty();
    }

    @Test
    void recordsEachLeaseUntilItIsClosedOrDiscarded() {
        Pool<StringBuilder> pool = Pool.builder(StringBuilder::new).name("leaky").build();
        Pool.Lease<StringBuilder> a = pool.instance();
        Pool.Lease<StringBuilder> b = pool.instance();
        assertThat(LeakDetection.holders(pool)).hasSize(2).allSatisfy(h -> {
            assertThat(h.kind()).isEqualTo("lease");
            assertThat(h.resource()).isEqualTo("Pool[leaky]");
            assertThat(h.opener()).contains("LeakDetectionTest.recordsEachLeaseUntilItIsClosedOrDiscarded");
        });
        a.close();
        a.close();
        assertThat(LeakDetection.holders(pool)).hasSize(1);
        b.discard();
        assertThat(LeakDetection.holders(pool)).isEmpty();
        assertThat(LeakDetection.heldSince(mark)).isEmpty();
        assertThat(leaks).isEmpty();
    }

    @Test
    void heldSinceSeesOnlyWhatCameAfterTheMark() {
        Pool<Object> pool = new Pool<>(Object::new);
        Pool.Lease<Object> before = pool.instance();
        long later = LeakDetection.mark();
        Pool.Lease<Object> after = pool.instance();
        assertThat(LeakDetection.heldSince(later)).singleElement()
                .extracting(LeakDetection.Holder::sequence).isEqualTo(LeakDetection.holders(pool).get(1).sequence());
        assertThat(LeakDetection.held()).hasSizeGreaterThanOrEqualTo(2);
        before.close();
        after.close();
    }

    private static void leakALease(Pool<Object> pool) {
        pool.instance(); // never closed
    }

    /** Keeps a handle that stays open (so that the Thing stays reachable) and leaks another. */
    private static MultiOpen.Handle leakAHandle(Thing t) {
        MultiOpen.Handle kept = t.acquire();
        t.acquire(); // never closed, and dropped
        return kept;
    }

    @Test
    void handlesAreTrackedByIdentityWhateverThreadClosesThem() throws Exception {
        Thing t = new Thing();
        MultiOpen.Handle first = t.acquire();
        MultiOpen.Handle[] second = new MultiOpen.Handle[1];
        Thread other = new Thread(() -> second[0] = t.acquire(), "other-acquirer");
        other.start();
        other.join();
        t.open();
        assertThat(LeakDetection.holders(t)).extracting(LeakDetection.Holder::kind).containsExactly("handle", "handle", "open");
        assertThat(LeakDetection.holder(second[0])).get().extracting(LeakDetection.Holder::thread).isEqualTo("other-acquirer");

        // This thread closes the other thread's handle: exactly that record goes.
        second[0].close();
        assertThat(LeakDetection.holder(second[0])).isEmpty();
        assertThat(LeakDetection.holders(t)).extracting(LeakDetection.Holder::thread)
                .containsExactly(Thread.currentThread().getName(), Thread.currentThread().getName());
        // A plain close never takes a handle's record.
        t.close();
        assertThat(LeakDetection.holders(t)).singleElement().satisfies(h -> {
            assertThat(h.kind()).isEqualTo("handle");
            assertThat(h.opener()).contains("LeakDetectionTest.handlesAreTrackedByIdentityWhateverThreadClosesThem");
        });
        assertThat(LeakDetection.holder(first)).get().isEqualTo(LeakDetection.holders(t).get(0));
        first.close();
        assertThat(LeakDetection.holders(t)).isEmpty();
        assertThat(t.isClosed()).isTrue();
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aHandleThatBecomesUnreachableUnclosedIsReportedWithItsStack() throws Exception {
        Thing t = new Thing();
        MultiOpen.Handle kept = leakAHandle(t);
        LeakDetection.Leak leak = awaitLeak(Thing.class.getName() + "@");
        assertThat(leak.holders()).singleElement().satisfies(h -> {
            assertThat(h.kind()).isEqualTo("handle");
            assertThat(h.opener()).contains("LeakDetectionTest.leakAHandle");
        });
        // The handle still held is not reported, and still closes what it owns.
        assertThat(LeakDetection.holders(t)).singleElement().isEqualTo(LeakDetection.holder(kept).orElseThrow());
        assertThat(t.openCount()).isEqualTo(2);
        kept.close();
        assertThat(t.openCount()).isEqualTo(1);
    }

    private static void leakAnOpen() {
        new Thing().open(); // never closed, and dropped
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aLeaseThatBecomesUnreachableUnclosedIsReportedWithItsStack() throws Exception {
        Pool<Object> pool = Pool.builder(Object::new).name("forgetful").build();
        leakALease(pool);
        LeakDetection.Leak leak = awaitLeak("Pool[forgetful]");
        assertThat(leak.holders()).singleElement().satisfies(h -> {
            assertThat(h.kind()).isEqualTo("lease");
            assertThat(h.opener()).contains("LeakDetectionTest.leakALease");
        });
        assertThat(leak.describe()).startsWith("LEAK: Pool[forgetful] became unreachable with 1 open or lease never closed")
                .contains("LeakDetectionTest.leakALease");
        // The pool's state: a leaked lease keeps its object in use for good (at a cap, borrowers wait).
        assertThat(leak.detail()).isEqualTo("maxTotal 0 (no cap), 1 in use, 0 idle, 0 waiting");
        assertThat(leak.describe()).contains("(Pool[forgetful] now: maxTotal 0 (no cap), 1 in use, 0 idle, 0 waiting):");
        assertThat(LeakDetection.holders(pool)).isEmpty(); // reported once, then forgotten
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aMultiOpenThatBecomesUnreachableWhileOpenIsReported() throws Exception {
        leakAnOpen();
        LeakDetection.Leak leak = awaitLeak(Thing.class.getName() + "@");
        assertThat(leak.holders()).singleElement().extracting(LeakDetection.Holder::opener).asString()
                .contains("LeakDetectionTest.leakAnOpen");
    }

    @SuppressWarnings("try") // the registration is there to be closed
    private LeakDetection.Leak awaitLeak(String resourcePrefix) throws InterruptedException {
        CountDownLatch found = new CountDownLatch(1);
        try (Registration r = LeakDetection.onLeak(l -> {
            if (l.resource().startsWith(resourcePrefix)) {
                found.countDown();
            }
        })) {
            for (int i = 0; i < 200 && found.getCount() > 0; i++) {
                System.gc();
                found.await(50, TimeUnit.MILLISECONDS);
            }
        }
        return leaks.stream().filter(l -> l.resource().startsWith(resourcePrefix)).findFirst()
                .orElseThrow(() -> new AssertionError("no leak of " + resourcePrefix + " reported; leaks: " + leaks));
    }

    @Test
    void badInput() {
        assertThatThrownBy(() -> LeakDetection.holders(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("resource");
        assertThatThrownBy(() -> LeakDetection.onLeak(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("listener");
        assertThat(LeakDetection.holders("not a resource")).isEmpty();
    }
}
