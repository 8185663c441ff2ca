package cs.resources.osgi.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD;

import cs.resources.AbstractMultiOpen;
import cs.resources.ClosedException;
import cs.resources.CloseOption;
import cs.resources.LeakDetection;
import cs.resources.MultiOpen;
import cs.resources.osgi.MultiOpenServices;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The per-bundle views in plain Java: the generated view classes, and the ownership rules of a
 * bundle's opens (one count per view, one open of the shared object while the bundle holds any).
 * Who calls release and detach is the framework's part, tested in the itests.
 */
class ViewTest {

    /** A service interface that extends MultiOpen, as a provider would publish it. */
    public interface SqlDatabase extends MultiOpen {
        String query(String sql);

        long add(long a, long b);

        double scale(double x, int times);

        void write(byte[] data, String... tags) throws IOException;

        default String describeTables() {
            return "tables of " + query("tables");
        }
    }

    /** Narrows open() to itself, as some service types do. */
    public interface Narrowing extends MultiOpen {
        @Override
        Narrowing open();

        String name();
    }

    /** Narrows acquire(): a view cannot give that. */
    public interface BadHandle extends MultiOpen {
        interface SpecialHandle extends MultiOpen.Handle {
        }

        @Override
        SpecialHandle acquire();
    }

    interface Hidden extends MultiOpen {
    }

    static class Database extends AbstractMultiOpen implements SqlDatabase, Runnable {
        final AtomicInteger startups = new AtomicInteger();
        final AtomicInteger shutdowns = new AtomicInteger();
        final AtomicInteger runs = new AtomicInteger();
        volatile RuntimeException failStartup;
        volatile CountDownLatch inStartup;
        volatile CountDownLatch letStartupFinish;
        final List<String> written = new CopyOnWriteArrayList<>();

        @Override
        protected void startup() throws InterruptedException {
            startups.incrementAndGet();
            CountDownLatch in = inStartup;
            if (in != null) {
                in.countDown();
                letStartupFinish.await();
            }
            RuntimeException f = failStartup;
            if (f != null) {
                throw f;
            }
        }

        @Override
        protected void shutdown() {
            shutdowns.incrementAndGet();
        }

        @Override
        public String query(String sql) {
            ensureOpen();
            if (sql.isEmpty()) {
                throw new IllegalArgumentException("empty query");
            }
            return "rows of " + sql;
        }

        @Override
        public long add(long a, long b) {
            return a + b;
        }

        @Override
        public double scale(double x, int times) {
            return x * times;
        }

        @Override
        public void write(byte[] data, String... tags) throws IOException {
            if (data.length == 0) {
                throw new IOException("nothing to write");
            }
            written.add(data.length + " " + String.join(",", tags));
        }

        @Override
        public void run() {
            runs.incrementAndGet();
        }

        @Override
        public String toString() {
            return "Database";
        }
    }

    static final class Named extends AbstractMultiOpen implements Narrowing {
        @Override
        public Narrowing open() {
            super.open();
            return this;
        }

        @Override
        public String name() {
            return "named";
        }
    }

    /** The publication's part, in plain Java: the views of one shared object. */
    static final class Owner implements View.Owner {
        final MultiOpen shared;
        final Class<?>[] interfaces;
        final List<View> views = new CopyOnWriteArrayList<>();
        final List<View> idle = new CopyOnWriteArrayList<>();

        Owner(MultiOpen shared, Class<?>... interfaces) {
            this.shared = shared;
            this.interfaces = interfaces;
        }

        View view(long bundleId, String name) {
            try {
                View v = (View) ViewClasses.constructor(interfaces).invoke(this, bundleId, name, shared);
                views.add(v);
                return v;
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
        }

        SqlDatabase db(long bundleId, String name) {
            return (SqlDatabase) view(bundleId, name);
        }

        @Override
        public void idle(View view) {
            idle.add(view);
        }

        @Override
        public int openCount() {
            return View.openCount(shared, views);
        }

        @Override
        public String provider() {
            return "provider.bundle [7]";
        }
    }

    final Database db = new Database();
    final Owner owner = new Owner(db, SqlDatabase.class);
    final List<String> warnings = new CopyOnWriteArrayList<>();
    final Logger log = Logger.getLogger(MultiOpenServices.class.getName());
    final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                warnings.add(r.getMessage());
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void captureWarnings() {
        log.addHandler(capture);
        log.setUseParentHandlers(false);
    }

    @AfterEach
    void restoreLogging() {
        log.removeHandler(capture);
        log.setUseParentHandlers(true);
    }

    // ------------------------------------------------------------------------------ the classes

    @Test
    void aViewIsEachServiceTypeAndForwardsEveryMethodButOpensAndClosesAsItIs() throws Exception {
        Owner two = new Owner(db, SqlDatabase.class, Runnable.class);
        View v = two.view(12, "consumer.a");
        SqlDatabase a = (SqlDatabase) v;
        try (var h = a.acquire()) {
            assertThat(a.query("select")).isEqualTo("rows of select");
            assertThat(a.describeTables()).isEqualTo("tables of rows of tables");
            assertThat(a.add(40, 2)).isEqualTo(42L);
            assertThat(a.scale(1.5, 4)).isEqualTo(6.0);
            a.write(new byte[3], "x", "y");
            assertThat(db.written).containsExactly("3 x,y");
            ((Runnable) v).run();
            assertThat(db.runs).hasValue(1);
            assertThatThrownBy(() -> a.query("")).isExactlyInstanceOf(IllegalArgumentException.class)
                    .hasMessage("empty query").hasNoCause();
            assertThatThrownBy(() -> a.write(new byte[0])).isInstanceOf(IOException.class).hasMessage("nothing to write");
            assertThat(a.isOpen()).isTrue();
            assertThat(a.openCount()).isEqualTo(1);
            assertThat(h.multiOpen()).isSameAs(a);
        }
        assertThat(a).hasToString("Database");
        assertThat(a).isEqualTo(a).isNotEqualTo(two.view(12, "consumer.a"));
        assertThat(a.open()).isSameAs(a);
        a.close();
        assertThat(db.shutdowns).hasValue(2);
        assertThat(v.getClass().getName()).isEqualTo("cs.resources.osgi.internal.ViewOfSqlDatabase");
        assertThat(v.getClass().getDeclaredMethods()).as("no reflection: each method calls the object directly")
                .noneMatch(m -> m.getName().equals("invoke"));
    }

    @Test
    void oneClassServesEverySetOfTheSameInterfacesAndAnotherSetGetsAnother() {
        View a = owner.view(12, "consumer.a");
        View b = owner.view(13, "consumer.b");
        View c = new Owner(db, SqlDatabase.class, Runnable.class).view(12, "consumer.a");
        assertThat(a.getClass()).isSameAs(b.getClass()).isNotSameAs(c.getClass());
        assertThat(a).isInstanceOf(SqlDatabase.class).isNotInstanceOf(Runnable.class);
        assertThat(c).isInstanceOf(Runnable.class);
    }

    @Test
    void anInterfaceThatNarrowsOpenGetsTheViewFromIt() {
        Named named = new Named();
        Narrowing v = (Narrowing) new Owner(named, Narrowing.class).view(12, "consumer.a");
        assertThat(v.open()).isSameAs(v);
        assertThat(v.open().name()).isEqualTo("named");
        assertThat(named.openCount()).as("one open of the shared object for the bundle's two").isEqualTo(1);
        assertThat(v.openCount()).isEqualTo(2);
        v.close();
        v.close();
        assertThat(named.isClosed()).isTrue();
    }

    @Test
    void typesAViewCannotBeAreRefusedWithTheReason() {
        assertThatThrownBy(() -> ViewClasses.constructor(new Class<?>[] {BadHandle.class}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(BadHandle.class.getName() + ".acquire returns " + BadHandle.SpecialHandle.class.getName()
                        + ": a view cannot give that where View gives " + MultiOpen.Handle.class.getName());
        assertThatThrownBy(() -> ViewClasses.constructor(new Class<?>[] {Hidden.class}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(Hidden.class.getName() + " is not a public interface: a view cannot implement it");
        assertThatThrownBy(() -> ViewClasses.constructor(new Class<?>[] {Database.class}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(Database.class.getName() + " is not a public interface: a view cannot implement it");
    }

    // ---------------------------------------------------------------------------- the bundle's opens

    @Test
    void aBundleHoldsOneOpenOfTheSharedObjectWhileItHoldsAnyAndEveryOpenIsCounted() {
        SqlDatabase a = owner.db(12, "consumer.a");
        SqlDatabase b = owner.db(13, "consumer.b");
        a.open();
        a.open();
        a.open();
        b.open();
        assertThat(db.openCount()).as("one per bundle").isEqualTo(2);
        assertThat(a.openCount()).as("every open").isEqualTo(4);
        assertThat(((View) a).opens()).isEqualTo(3);
        a.close();
        a.close();
        assertThat(db.openCount()).isEqualTo(2);
        a.close();
        assertThat(db.openCount()).isEqualTo(1);
        assertThat(db.startups).hasValue(1);
        b.close();
        assertThat(db.shutdowns).hasValue(1);
    }

    @Test
    void aBundlesExtraClosesNeverReleaseAnotherBundlesOpen() {
        SqlDatabase a = owner.db(12, "consumer.a");
        SqlDatabase b = owner.db(13, "consumer.b");
        a.open();
        b.open();
        assertThat(db.openCount()).isEqualTo(2);

        a.close();
        a.close(); // extra: a holds nothing now
        a.close();
        assertThat(db.openCount()).isEqualTo(1);
        assertThat(((View) b).opens()).isEqualTo(1);
        assertThat(db.isOpen()).isTrue();
        assertThat(warnings).hasSize(2).allMatch(m -> m.startsWith("extra close of Database by bundle consumer.a [12] ignored"));

        SqlDatabase c = owner.db(14, "consumer.c");
        assertThatThrownBy(c::close).isInstanceOf(IllegalStateException.class)
                .hasMessage("close before open: bundle consumer.c [14] never opened Database");
        c.close(CloseOption.UNOPENED_OK); // allowed, and still releases nothing
        assertThat(db.openCount()).isEqualTo(1);

        b.close();
        assertThat(db.shutdowns).hasValue(1);
    }

    @Test
    void aHandleReleasesOneOfItsBundlesOpensOnce() {
        SqlDatabase a = owner.db(12, "consumer.a");
        MultiOpen.Handle first = a.acquire();
        MultiOpen.Handle second = a.acquire();
        first.close();
        first.close();
        assertThat(((View) a).opens()).isEqualTo(1);
        assertThat(first.isClosed()).isTrue();
        assertThat(second.isClosed()).isFalse();
        second.close();
        assertThat(db.isClosed()).isTrue();
    }

    @Test
    void aFailedStartupLeavesTheBundleHoldingNothingAndTheNextOpenTriesAgain() {
        SqlDatabase a = owner.db(12, "consumer.a");
        db.failStartup = new IllegalStateException("no disk");
        assertThatThrownBy(a::open).isSameAs(db.failStartup);
        assertThat(((View) a).opens()).isZero();
        assertThat(db.openCount()).isZero();
        db.failStartup = null;
        a.open();
        assertThat(db.startups).hasValue(2);
        a.close();
        assertThat(db.shutdowns).hasValue(1);
    }

    @Test
    void releaseHandsBackWhatTheBundleStillHoldsAndThenRefusesNewOpensBeforeAnyStartup() {
        View va = owner.view(12, "consumer.a");
        SqlDatabase a = (SqlDatabase) va;
        SqlDatabase b = owner.db(13, "consumer.b");
        a.open();
        MultiOpen.Handle h = a.acquire();
        b.open();

        View.Left left = va.release();
        assertThat(left.opens()).isEqualTo(2);
        va.closeLeft(left);
        assertThat(db.openCount()).isEqualTo(1); // b's
        assertThat(va.release()).as("twice: nothing more").isNull();

        h.close(); // the bundle's own late close: nothing happens (it was closed for it)
        a.close();
        assertThat(db.openCount()).isEqualTo(1);
        assertThatThrownBy(a::open).isInstanceOf(ClosedException.class)
                .hasMessage("open() of Database by bundle consumer.a [12]: the service was released for this bundle (get it again)");
        b.close();
        assertThat(db.shutdowns).hasValue(1);
        int startups = db.startups.get();
        assertThatThrownBy(a::acquire).isInstanceOf(ClosedException.class);
        assertThat(db.startups).as("refused before any startup").hasValue(startups);
        assertThat(db.isClosed()).isTrue();
    }

    @Test
    void aDetachedViewKeepsItsOpensRefusesNewOnesBeforeAnyStartupAndSaysWhenItHoldsNoneMore() {
        View va = owner.view(12, "consumer.a");
        SqlDatabase a = (SqlDatabase) va;
        a.open();
        a.open();
        assertThat(va.detach()).isFalse();
        assertThat(a.openCount()).isEqualTo(2);
        assertThatThrownBy(a::open).isInstanceOf(ClosedException.class)
                .hasMessage("open() of Database by bundle consumer.a [12]: its provider provider.bundle [7] unregistered the "
                        + "service; this bundle may close what it holds, not open");
        a.close();
        assertThat(owner.idle).isEmpty();
        a.close();
        assertThat(owner.idle).containsExactly(va);
        assertThat(db.isClosed()).isTrue();
        assertThatThrownBy(a::open).isInstanceOf(ClosedException.class);
        assertThat(db.startups).as("no startup for a refused open").hasValue(1);

        View vb = owner.view(13, "consumer.b");
        assertThat(vb.detach()).as("nothing held: idle at once").isTrue();
    }

    @Test
    void enforceFinalCloseSpeaksOfEveryBundlesOpens() {
        SqlDatabase a = owner.db(12, "consumer.a");
        SqlDatabase b = owner.db(13, "consumer.b");
        a.open();
        b.open();
        b.open();
        assertThatThrownBy(() -> a.close(CloseOption.ENFORCE_FINAL_CLOSE)).isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("close of Database by bundle consumer.a [12] with ENFORCE_FINAL_CLOSE was not the final "
                        + "close: 2 opens remain");
        assertThat(db.openCount()).isEqualTo(1);
        b.close();
        b.close(CloseOption.ENFORCE_FINAL_CLOSE);
        assertThatThrownBy(() -> a.close((CloseOption[]) null)).isInstanceOf(NullPointerException.class).hasMessage("options");
        assertThatThrownBy(() -> a.close(CloseOption.UNOPENED_OK, null)).isInstanceOf(NullPointerException.class)
                .hasMessage("options contains null");
    }

    @Test
    void withLeakDetectionEachOpenIsAHandleWhoseHolderIsListedAndClosedOnRelease() {
        boolean before = LeakDetection.isEnabled();
        LeakDetection.setEnabled(true);
        try {
            View va = owner.view(12, "consumer.a");
            SqlDatabase a = (SqlDatabase) va;
            a.open();
            MultiOpen.Handle h = a.acquire();
            assertThat(db.openCount()).as("one open of the shared object per open").isEqualTo(2);
            String thread = Thread.currentThread().getName();
            assertThat(va.holders()).hasSize(2).allSatisfy(x -> assertThat(x.thread()).isEqualTo(thread));
            h.close();
            assertThat(va.holders()).hasSize(1);
            a.open();
            View.Left left = va.release();
            assertThat(left.opens()).isEqualTo(2);
            assertThat(left.where()).hasSize(2);
            va.closeLeft(left);
            assertThat(db.isClosed()).isTrue();
            assertThat(db.shutdowns).hasValue(1);
        } finally {
            LeakDetection.setEnabled(before);
        }
    }

    // ------------------------------------------------------------------------------- concurrency

    @Test
    @Timeout(value = 60, threadMode = SEPARATE_THREAD)
    void theBundlesFirstOpensInManyThreadsStartTheObjectOnceAndHoldItOnce() throws Exception {
        for (int round = 0; round < 50; round++) {
            Database shared = new Database();
            shared.inStartup = new CountDownLatch(1);
            shared.letStartupFinish = new CountDownLatch(1);
            SqlDatabase a = new Owner(shared, SqlDatabase.class).db(12, "consumer.a");
            int n = 4;
            CountDownLatch opened = new CountDownLatch(n);
            List<Throwable> failed = new CopyOnWriteArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < n; t++) {
                Thread th = new Thread(() -> {
                    try {
                        a.open();
                        if (!shared.isOpen()) {
                            failed.add(new AssertionError("open() returned before the startup completed"));
                        }
                        opened.countDown();
                    } catch (Throwable e) {
                        failed.add(e);
                    }
                });
                th.start();
                threads.add(th);
            }
            assertThat(shared.inStartup.await(10, TimeUnit.SECONDS)).isTrue();
            shared.letStartupFinish.countDown();
            assertThat(opened.await(10, TimeUnit.SECONDS)).isTrue();
            for (Thread th : threads) {
                th.join(10_000);
            }
            assertThat(failed).isEmpty();
            assertThat(shared.startups).as("round %d", round).hasValue(1);
            assertThat(shared.openCount()).as("round %d: the view holds one open", round).isEqualTo(1);
            assertThat(((View) a).opens()).isEqualTo(n);
            for (int t = 0; t < n; t++) {
                a.close();
            }
            assertThat(shared.shutdowns).hasValue(1);
        }
    }

    @Test
    @Timeout(value = 60, threadMode = SEPARATE_THREAD)
    void opensAndClosesOfOneBundleInTwoThreadsLoseNoUpdateAndBalanceTheSharedObject() throws Exception {
        SqlDatabase a = owner.db(12, "consumer.a");
        SqlDatabase b = owner.db(13, "consumer.b");
        int rounds = 20_000;
        CyclicBarrier start = new CyclicBarrier(3);
        List<Throwable> failed = new CopyOnWriteArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (SqlDatabase v : List.of(a, a, b)) {
            Thread th = new Thread(() -> {
                try {
                    start.await();
                    for (int i = 0; i < rounds; i++) {
                        if (i % 2 == 0) {
                            v.open();
                            v.close();
                        } else {
                            try (var h = v.acquire()) {
                                v.query("x");
                            }
                        }
                    }
                } catch (Throwable e) {
                    failed.add(e);
                }
            });
            threads.add(th);
        }
        threads.forEach(Thread::start);
        for (Thread th : threads) {
            th.join(50_000);
        }
        assertThat(failed).isEmpty();
        assertThat(((View) a).opens()).isZero();
        assertThat(((View) b).opens()).isZero();
        assertThat(db.openCount()).isZero();
        assertThat(db.startups.get()).isEqualTo(db.shutdowns.get());
        assertThat(warnings).isEmpty();
    }

    @SuppressWarnings("try") // the resource is there to be closed
    @Test
    @Timeout(value = 60, threadMode = SEPARATE_THREAD)
    void aReleaseRacingTheBundlesOwnOpensAndClosesLosesNothing() throws Exception {
        for (int round = 0; round < 300; round++) {
            Database shared = new Database();
            View v = new Owner(shared, SqlDatabase.class).view(12, "consumer.a");
            SqlDatabase p = (SqlDatabase) v;
            MultiOpen.Handle other = shared.acquire(); // another bundle's open
            CyclicBarrier start = new CyclicBarrier(3);
            List<Throwable> unexpected = new CopyOnWriteArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                Thread th = new Thread(() -> {
                    try {
                        start.await();
                        for (int i = 0; i < 200; i++) {
                            try (var h = p.acquire()) {
                                p.query("x");
                            }
                        }
                    } catch (ClosedException released) {
                        // the view was released under it: expected, once
                    } catch (Throwable e) {
                        unexpected.add(e);
                    }
                });
                th.start();
                threads.add(th);
            }
            start.await();
            View.Left left = v.release();
            v.closeLeft(left);
            for (Thread th : threads) {
                th.join(10_000);
            }
            assertThat(unexpected).isEmpty();
            assertThat(shared.openCount()).as("round %d: only the other bundle's open remains", round).isEqualTo(1);
            other.close();
            assertThat(shared.startups.get()).isEqualTo(shared.shutdowns.get());
        }
    }

    @Test
    @Timeout(value = 60, threadMode = SEPARATE_THREAD)
    void aDetachRacingTheBundlesClosesMakesItIdleExactlyOnce() throws Exception {
        for (int round = 0; round < 300; round++) {
            Database shared = new Database();
            Owner o = new Owner(shared, SqlDatabase.class);
            View v = o.view(12, "consumer.a");
            SqlDatabase p = (SqlDatabase) v;
            p.open();
            p.open();
            CyclicBarrier start = new CyclicBarrier(2);
            Thread closer = new Thread(() -> {
                try {
                    start.await();
                    p.close();
                    p.close();
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            closer.start();
            start.await();
            if (v.detach()) {
                o.idle(v);
            }
            closer.join(10_000);
            assertThat(o.idle).as("round %d", round).containsExactly(v);
            assertThat(shared.isClosed()).isTrue();
        }
    }
}
