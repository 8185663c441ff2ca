package cs.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The README's tour, kept here so that it compiles and stays true. Each block between
 * {@code // README:name} and {@code // README:end} is, exactly (but for its indentation), a
 * {@code ```java} block of README.md: {@link ReadmeSnippetsTest} fails when the two differ. What
 * the README leaves to the reader ({@code store(doc)}, {@code step()}, the files to copy) are
 * helpers outside the blocks; the assertions after each block check that the code did what the
 * README says.
 */
class ReadmeExamplesTest {

    /** What {@link Index} stored, in the order its writer thread stored it. */
    private final List<String> stored = new CopyOnWriteArrayList<>();

    /** Stands for writing a document to the index's store; runs in the index's writer thread. */
    void store(String doc) {
        stored.add(doc);
    }

    // README:index
    class Index extends AbstractMultiOpen {
        private ExecutorService writer;

        @Override protected void startup() { writer = Executors.newSingleThreadExecutor(); }

        @Override protected void shutdown() throws InterruptedException {
            writer.shutdown();
            writer.awaitTermination(10, TimeUnit.SECONDS);
        }

        void add(String doc) {
            ensureOpen();                       // ClosedException unless open
            writer.execute(() -> store(doc));
        }
    }
    // README:end

    @Test
    @SuppressWarnings("try") // the README's form: a try-with-resources whose resource is unused
    void multiOpen() throws Exception {
        // README:multiopen
        Index index = new Index();
        Runnable user = () -> {
            try (var open = index.acquire()) {   // the first open runs startup()
                index.add("hello");
            }                                    // the last close runs shutdown()
        };
        Thread a = new Thread(user);
        Thread b = new Thread(user);
        a.start();
        b.start();
        a.join();
        b.join();
        index.join();                            // waits for the final shutdown
        // README:end
        assertThat(index.isClosed()).isTrue();
        assertThat(stored).as("both adds reached the store before the shutdown ended").containsExactly("hello", "hello");
        assertThatThrownBy(() -> index.add("late")).isInstanceOf(ClosedException.class);
    }

    @Test
    @SuppressWarnings("try") // the README's form: resources held, not used
    void multiOpenOf() throws Exception {
        StringBuilder log = new StringBuilder();
        Openable openable = new Openable() {
            @Override
            public void open() {
                log.append("open;");
            }

            @Override
            public void close() {
                log.append("close;");
            }
        };
        // README:of
        MultiOpen connection = MultiOpen.of(openable);   // openable.open() on the first open, close() on the last
        try (var first = connection.open(); var second = connection.open()) {
            assert connection.openCount() == 2;          // two opens, one openable.open()
        }                                                // the last close: openable.close()
        // README:end
        assertThat(log).hasToString("open;close;");
        assertThat(connection.isClosed()).isTrue();
    }

    @Test
    void handles() {
        Index index = new Index();
        // README:handle
        MultiOpen.Handle mine = index.acquire();   // owns exactly one open
        MultiOpen.Handle theirs = index.acquire();
        mine.close();
        mine.close();                              // harmless: releases nothing more
        assert index.isOpen();                     // theirs is untouched
        theirs.close();                            // the last open: shutdown runs
        // README:end
        assertThat(index.isClosed()).isTrue();
        assertThat(mine.isClosed()).isTrue();
    }

    // README:cache
    class Cache extends AbstractMultiOpen {        // a component of the eager form
        void activate() { holdOpen(); }           // @Activate: the owner's hold, startup runs now
        void deactivate() { retire(); }           // @Deactivate: releases the hold, nothing else
    }
    // README:end

    @Test
    void holdAndRetire() {
        // README:retire
        Cache cache = new Cache();
        cache.activate();                          // up while its owner has it
        MultiOpen.Handle consumer = cache.acquire();
        cache.deactivate();                        // retired: the consumer's open keeps it up
        assert cache.isOpen();
        consumer.close();                          // the last close: shutdown runs
        try {
            cache.open();                          // a retired object starts no new cycle
        } catch (ClosedException expected) {
        }
        // README:end
        assertThat(cache.isClosed()).isTrue();
        assertThat(cache.isRetired()).isTrue();
        assertThat(cache.shutdowns()).isEqualTo(1);
        assertThatThrownBy(cache::open).isInstanceOf(ClosedException.class);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void pool() {
        byte[] bytes = "abc".getBytes(StandardCharsets.UTF_8);
        // README:pool
        Pool<MessageDigest> digests = Pool.builder(ReadmeExamplesTest::sha256)
                .name("sha-256")
                .maxSize(8)                      // idle digests kept for reuse
                .disposer(MessageDigest::reset)  // for those the pool lets go
                .build();

        String hex;
        try (var lease = digests.instance()) {   // an idle digest, or a new one
            hex = HexFormat.of().formatHex(lease.get().digest(bytes));
        }                                        // back to the pool, also on exceptions
        Pool.Stats stats = digests.stats();      // created 1, reused 0, idle 1, in use 0
        // README:end
        assertThat(hex).startsWith("ba7816bf");
        assertThat(stats).isEqualTo(new Pool.Stats(1, 0, 0, 1, 0));
    }

    /** Stands for a database connection in the README. */
    static final class Connection {
        boolean open = true;

        String query(String sql) {
            if (!open) {
                throw new IllegalStateException("closed");
            }
            return sql;
        }

        void close() {
            open = false;
        }

        boolean isOpen() {
            return open;
        }
    }

    static Connection connect() {
        return new Connection();
    }

    @Test
    void poolWithACap() {
        // README:poolcap
        Pool<Connection> connections = Pool.builder(ReadmeExamplesTest::connect)
                .name("db")
                .maxTotal(8)                          // at most 8 connections, in use and idle
                .maxWait(Duration.ofSeconds(2))       // instance() waits up to 2 s at the cap
                .maxLifetime(Duration.ofMinutes(30))  // older ones are closed, not reused
                .maxIdleTime(Duration.ofMinutes(5))   // and so are those idle for 5 minutes
                .disposer(Connection::close)
                .build();

        try (var lease = connections.instance()) {    // PoolTimeoutException after 2 s at the cap
            lease.get().query("select 1");
        }
        Optional<Pool.Lease<Connection>> now = connections.tryInstance();  // never waits
        now.ifPresent(Pool.Lease::close);
        Pool.Stats stats = connections.stats();       // ... waits 0, timeouts 0, expired 0, waiting 0
        // README:end
        assertThat(stats).isEqualTo(new Pool.Stats(1, 1, 0, 1, 0));
        connections.close();
    }

    @Test
    void poolForOperators() throws InterruptedException {
        // README:poolops
        Pool<Connection> connections = Pool.builder(ReadmeExamplesTest::connect)
                .name("db")
                .maxTotal(8)
                .fair(false)                               // throughput: a newcomer takes an idle object at once
                .validator(Connection::isOpen)
                .validateOnLease(true)                     // also checked before each lease (testOnBorrow)
                .longLeaseWarning(Duration.ofMinutes(1))   // a warning, with the borrower's stack, while held
                .recordHoldTimes(true)                     // hold-time percentiles in stats()
                .disposer(Connection::close)
                .build();

        try (var lease = connections.instance()) {
            lease.get().query("select 1");
        }
        connections.setMaxTotal(16);                       // live; shrinking revokes no lease
        connections.evictAll();                            // credential rotation: every object replaced
        Pool.Stats stats = connections.stats();            // ... longLeases 0, holdTimes: count 1, p50, p99 ...
        connections.close();
        boolean drained = connections.awaitClosed(Duration.ofSeconds(10));  // all back and disposed of
        // README:end
        assertThat(stats.holdTimes().count()).isEqualTo(1);
        assertThat(stats.longLeases()).isZero();
        assertThat(stats.dropped()).isEqualTo(1);
        assertThat(connections.maxTotal()).isEqualTo(16);
        assertThat(drained).isTrue();
    }

    /** Counted down by the first {@link #step()}: {@link #doOtherWork()} waits for it. */
    private final CountDownLatch firstStep = new CountDownLatch(1);

    /** How many steps the worker took. */
    private final AtomicInteger steps = new AtomicInteger();

    /** Stands for one step of a task's work; runs in the worker thread. */
    void step() {
        steps.incrementAndGet();
        firstStep.countDown();
    }

    /**
     * Stands for what the README's thread does while the worker runs. Here it waits until the
     * worker took its first step, so that the cancel or pause that follows meets a running loop
     * (a RunState cancelled before its body runs skips the body: another path, tested in
     * {@link RunStateTest}).
     */
    void doOtherWork() throws InterruptedException {
        assertThat(firstStep.await(30, TimeUnit.SECONDS)).as("the worker's first step").isTrue();
    }

    @Test
    void runState() throws Exception {
        // README:runstate
        RunState crawl = new RunState("crawler");
        Thread worker = new Thread(() -> crawl.run(() -> {   // start; stop at the end
            try {
                while (!crawl.isCancelled()) {              // one volatile read
                    step();
                    crawl.sleep(Duration.ofSeconds(5));     // wakes early on cancel
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();         // keep the flag; the run ends
            }
        }));
        worker.start();
        doOtherWork();
        crawl.cancel();                 // from any thread
        worker.join();                  // crawl.state() is now CANCELLED
        // README:end
        assertThat(crawl.state()).isEqualTo(RunState.State.CANCELLED);
        assertThat(steps).as("the loop ran before the cancel").hasPositiveValue();
        assertThat(crawl.failure()).isEmpty();
    }

    /** Stands for copying a file. */
    static void copyFile(String name) {
    }

    @Test
    void runStateProgress() {
        List<String> files = List.of("a.txt", "b.txt", "c.txt");
        // README:progress
        RunState copy = new RunState("copy");
        copy.run(() -> {
            copy.setTotal(files.size());
            for (String f : copy.untilCancelled(files)) {   // ends early on cancel, waits while paused
                copy.setMessage(f);
                copyFile(f);
                copy.advance(1);                            // one compare-and-set, no lock
            }
        });
        RunState.Progress p = copy.progress();              // done 3, total 3, message "c.txt"
        // README:end
        assertThat(p).isEqualTo(new RunState.Progress(3, 3, "c.txt"));
        assertThat(copy.eta()).as("not running").isEmpty();
    }

    @Test
    void runStatePause() throws Exception {
        // README:pause
        RunState sync = new RunState("sync");
        Thread worker = new Thread(() -> sync.run(() -> {
            try {
                while (!sync.isCancelled()) {
                    step();
                    sync.waitWhilePaused();             // returns at once unless paused
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        worker.start();
        doOtherWork();
        sync.pause();         // state() == PAUSED; the worker waits at its next waitWhilePaused()
        sync.resume();        // and goes on
        sync.cancel();        // a cancel also ends a pause
        // README:end
        worker.join();
        assertThat(sync.state()).isEqualTo(RunState.State.CANCELLED);
        assertThat(sync.isPaused()).isFalse();
        assertThat(steps).hasPositiveValue();
    }

    /** The pages {@link #fetch(RunState)} fetched. */
    private final List<String> fetched = new CopyOnWriteArrayList<>();

    /** Stands for fetching a page, tracked by its RunState. */
    void fetch(RunState page) {
        fetched.add(page.name());
    }

    @Test
    void runStateChildren() {
        // README:children
        RunState crawl = new RunState("crawl").start();
        RunState page1 = crawl.child("page-1").start();
        RunState page2 = crawl.child("page-2");           // not started yet
        crawl.cancel();                                     // cancels page-1 and page-2 too
        page2.run(() -> fetch(page2));                      // does not run its body: cancelled
        List<RunState> live = crawl.children();             // [page-1]: page-2 has ended
        // README:end
        assertThat(fetched).isEmpty();
        assertThat(live).containsExactly(page1);
        assertThat(page1.state()).isEqualTo(RunState.State.STOPPING);
        assertThat(page2.state()).isEqualTo(RunState.State.CANCELLED);
    }

    /** What {@link RunState#current()} was in each {@link #fetchPart()}, and its parent's name. */
    private final List<String> currentInParts = new CopyOnWriteArrayList<>();

    /** Stands for code deep inside a task that finds its RunState without being given it. */
    void fetchPart() {
        RunState current = RunState.current().orElseThrow();
        currentInParts.add(current.name() + " in " + current.parent().map(RunState::name).orElse("none"));
    }

    @Test
    void runStateCurrent() {
        // README:current
        RunState job = new RunState("job");
        job.run(() -> {
            RunState self = RunState.current().orElseThrow();   // job, in its body
            RunState part = self.child("part");                 // cancelled with the job
            part.run(() -> fetchPart());                        // RunState.current() is part in there
        });
        // README:end
        assertThat(currentInParts).containsExactly("part in job");
        assertThat(job.state()).isEqualTo(RunState.State.STOPPED);
        assertThat(job.failure()).isEmpty();
        assertThat(job.children()).as("part has ended").isEmpty();
        assertThat(RunState.current()).as("outside any run").isEmpty();
    }
}
