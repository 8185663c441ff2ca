package cs.resources.osgi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD;

import cs.resources.AbstractMultiOpen;
import cs.resources.ClosedException;
import cs.resources.CloseOption;
import cs.resources.MultiOpen;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
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
 * The ownership rules of per-bundle views, in plain Java: a view is what one bundle gets of a
 * shared MultiOpen service; the framework parts (who calls release and detach) are tested in the
 * itests.
 */
class ViewTest {

    /** A service interface that extends MultiOpen, as a provider would publish it. */
    public interface SqlDatabase extends MultiOpen {
        String query(String sql);

        default String describeTables() {
            return "tables of " + query("tables");
        }
    }

    static final class Database extends AbstractMultiOpen implements SqlDatabase {
        final AtomicInteger startups = new AtomicInteger();
        final AtomicInteger shutdowns = new AtomicInteger();

        @Override
        protected void startup() {
            startups.incrementAndGet();
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
        public String toString() {
            return "Database";
        }
    }

    final Database db = new Database();
    final List<View> idle = new CopyOnWriteArrayList<>();
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

    record Viewed(View view, SqlDatabase proxy) {
    }

    Viewed view(long bundleId, String name) {
        View v = new View(idle::add, bundleId, name, db);
        SqlDatabase p = (SqlDatabase) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {SqlDatabase.class}, v);
        v.proxy(p);
        return new Viewed(v, p);
    }

    @Test
    void aViewIsTheServiceTypeAndForwardsEverythingButOpensAndCloses() {
        Viewed a = view(12, "consumer.a");
        try (var h = a.proxy().acquire()) {
            assertThat(a.proxy().query("select")).isEqualTo("rows of select");
            assertThat(a.proxy().describeTables()).isEqualTo("tables of rows of tables");
            assertThatThrownBy(() -> a.proxy().query("")).isInstanceOf(IllegalArgumentException.class).hasMessage("empty query");
            assertThat(a.proxy().isOpen()).isTrue();
            assertThat(a.proxy().openCount()).isEqualTo(1);
            assertThat(h.multiOpen()).isSameAs(a.proxy());
        }
        assertThat(a.proxy()).hasToString("Database");
        assertThat(a.proxy()).isEqualTo(a.proxy()).isNotEqualTo(view(12, "consumer.a").proxy());
        assertThat(a.proxy().open()).isSameAs(a.proxy());
        a.proxy().close();
        assertThat(db.shutdowns).hasValue(2);
    }

    @Test
    void aBundlesExtraClosesNeverReleaseAnotherBundlesOpen() {
        Viewed a = view(12, "consumer.a");
        Viewed b = view(13, "consumer.b");
        a.proxy().open();
        b.proxy().open();
        assertThat(db.openCount()).isEqualTo(2);

        a.proxy().close();
        a.proxy().close(); // extra: a holds nothing now
        a.proxy().close();
        assertThat(db.openCount()).isEqualTo(1);
        assertThat(b.view().opens()).isEqualTo(1);
        assertThat(db.isOpen()).isTrue();
        assertThat(warnings).hasSize(2).allMatch(m -> m.startsWith("extra close of Database by bundle consumer.a [12] ignored"));

        Viewed c = view(14, "consumer.c");
        assertThatThrownBy(() -> c.proxy().close()).isInstanceOf(IllegalStateException.class)
                .hasMessage("close before open: bundle consumer.c [14] never opened Database");
        c.proxy().close(CloseOption.UNOPENED_OK); // allowed, and still releases nothing
        assertThat(db.openCount()).isEqualTo(1);

        b.proxy().close();
        assertThat(db.shutdowns).hasValue(1);
    }

    @Test
    void aHandleReleasesExactlyItsOwnOpenEvenAmongThatBundlesOtherOpens() {
        Viewed a = view(12, "consumer.a");
        MultiOpen.Handle first = a.proxy().acquire();
        MultiOpen.Handle second = a.proxy().acquire();
        first.close();
        first.close();
        assertThat(a.view().opens()).isEqualTo(1);
        assertThat(second.isClosed()).isFalse();
        second.close();
        assertThat(db.isClosed()).isTrue();
    }

    @Test
    void releaseHandsBackWhatTheBundleStillHoldsAndThenRefusesNewOpens() {
        Viewed a = view(12, "consumer.a");
        Viewed b = view(13, "consumer.b");
        a.proxy().open();
        MultiOpen.Handle h = a.proxy().acquire();
        b.proxy().open();

        List<MultiOpen.Handle> left = a.view().release();
        assertThat(left).hasSize(2);
        left.forEach(MultiOpen.Handle::close);
        assertThat(db.openCount()).isEqualTo(1); // b's
        assertThat(a.view().release()).isEmpty(); // twice: nothing more

        h.close(); // the bundle's own late close: nothing happens (it was closed for it)
        a.proxy().close();
        assertThat(db.openCount()).isEqualTo(1);
        assertThatThrownBy(() -> a.proxy().open()).isInstanceOf(ClosedException.class)
                .hasMessage("open() of Database by bundle consumer.a [12]: the service was released for this bundle");
        assertThat(db.openCount()).isEqualTo(1);
        b.proxy().close();
        assertThat(db.shutdowns).hasValue(1);
    }

    @Test
    void aDetachedViewKeepsItsOpensClosesThemLaterAndSaysWhenItHoldsNoneMore() {
        Viewed a = view(12, "consumer.a");
        a.proxy().open();
        a.proxy().open();
        a.view().detach();
        assertThat(db.openCount()).isEqualTo(2);
        a.proxy().open(); // still allowed while the shared object is open
        a.proxy().close();
        a.proxy().close();
        assertThat(idle).isEmpty();
        a.proxy().close();
        assertThat(idle).containsExactly(a.view());
        assertThat(db.isClosed()).isTrue();
    }

    @Test
    void enforceFinalCloseSpeaksOfTheSharedObject() {
        Viewed a = view(12, "consumer.a");
        Viewed b = view(13, "consumer.b");
        a.proxy().open();
        b.proxy().open();
        assertThatThrownBy(() -> a.proxy().close(CloseOption.ENFORCE_FINAL_CLOSE)).isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("close of Database by bundle consumer.a [12] with ENFORCE_FINAL_CLOSE was not the final close: 1 open remains");
        assertThat(db.openCount()).isEqualTo(1);
        b.proxy().close(CloseOption.ENFORCE_FINAL_CLOSE);
        assertThatThrownBy(() -> a.proxy().close((CloseOption[]) null)).isInstanceOf(NullPointerException.class).hasMessage("options");
        assertThatThrownBy(() -> a.proxy().close(CloseOption.UNOPENED_OK, null)).isInstanceOf(NullPointerException.class)
                .hasMessage("options contains null");
    }

    @SuppressWarnings("try") // the resource is there to be closed
    @Test
    @Timeout(value = 60, threadMode = SEPARATE_THREAD)
    void aReleaseRacingTheBundlesOwnOpensAndClosesLosesNothing() throws Exception {
        for (int round = 0; round < 300; round++) {
            Database shared = new Database();
            View v = new View(x -> { }, 12, "consumer.a", shared);
            SqlDatabase p = (SqlDatabase) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {SqlDatabase.class}, v);
            v.proxy(p);
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
            List<MultiOpen.Handle> left = v.release();
            left.forEach(MultiOpen.Handle::close);
            for (Thread th : threads) {
                th.join(10_000);
            }
            assertThat(unexpected).isEmpty();
            assertThat(shared.openCount()).as("round %d: only the other bundle's open remains", round).isEqualTo(1);
            other.close();
            assertThat(shared.startups.get()).isEqualTo(shared.shutdowns.get());
        }
    }
}
