package cs.resources.itest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cs.resources.Pool;
import cs.resources.RunState;
import cs.resources.runtime.ResourcesRuntime;
import cs.resources.runtime.RunStateInfo;
import java.time.Instant;
import java.util.Arrays;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.apache.felix.service.command.CommandProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

/** Every {@code resources:} command, run through a real Gogo session, with its error paths. */
class ShellIT {
    static final long TIMEOUT = 10_000;
    static final String SELF = "cs.resources.itest.tests";

    @InjectService(timeout = TIMEOUT)
    CommandProcessor processor;

    @InjectService(timeout = TIMEOUT)
    ResourcesRuntime runtime;

    @InjectBundleContext
    BundleContext context;

    Gogo gogo;
    final Probe probe = new Probe();

    /** Gogo commands for closures run by {@code resources:run}: {@code itest:tick}, {@code itest:block}. */
    public static final class Probe {
        final Semaphore ticks = new Semaphore(0);
        volatile RunState seen;
        final CountDownLatch blocked = new CountDownLatch(1);
        final CountDownLatch interrupted = new CountDownLatch(1);

        public void tick(RunState rs) {
            seen = rs;
            ticks.release();
        }

        public void block(RunState rs) {
            seen = rs;
            blocked.countDown();
            try {
                new CountDownLatch(1).await();
            } catch (InterruptedException e) {
                interrupted.countDown();
            }
        }
    }

    @BeforeEach
    void session() {
        gogo = new Gogo(processor);
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("osgi.command.scope", "itest");
        props.put("osgi.command.function", new String[] {"tick", "block"});
        context.registerService(Object.class, probe, props);
    }

    @AfterEach
    void closeSession() {
        gogo.close();
    }

    private static List<String> lines(String out) {
        return out.lines().toList();
    }

    private static String lineWith(String out, String text) {
        return out.lines().filter(l -> l.contains(text)).findFirst()
                .orElseThrow(() -> new AssertionError("no line with " + text + " in:\n" + out));
    }

    @Test
    void runstatesPrintsAnAlignedTableWithNamesEscaped() throws Exception {
        RunState plain = new RunState("sh-plain").start();
        RunState evil = new RunState("sh-evil\u001b[31mred\nforged-line\u202e").start();
        runtime.register(plain);
        runtime.register(evil);

        String out = gogo.run("resources:runstates");
        List<String> lines = lines(out);
        String header = lines.get(0);
        assertThat(header.stripLeading()).as("the header, its id column right-aligned").startsWith("ID").contains("NAME", "STATE", "BUNDLE", "STARTED", "RUN TIME");
        assertThat(out).doesNotContain("\u001b").doesNotContain("\u202e").doesNotContain("forged-line\n");
        String evilRow = lineWith(out, "sh-evil");
        assertThat(evilRow).contains("sh-evil\\u001b[31mred\\u000aforged-line\\u202e");
        String plainRow = lineWith(out, "sh-plain");
        // Columns line up with the header; the numeric id column is right-aligned.
        assertThat(plainRow.indexOf("sh-plain")).isEqualTo(header.indexOf("NAME"));
        assertThat(plainRow.indexOf("RUNNING")).isEqualTo(header.indexOf("STATE"));
        assertThat(plainRow.indexOf(SELF)).isEqualTo(header.indexOf("BUNDLE"));
        String id = String.valueOf(plain.id());
        String idCell = plainRow.substring(0, header.indexOf("NAME") - 2);
        assertThat(idCell).endsWith(id).isEqualTo(" ".repeat(idCell.length() - id.length()) + id);
        assertThat(header.substring(0, header.indexOf("NAME") - 2)).endsWith("ID");
        plain.stop();
        evil.stop();
    }

    @Test
    void runstatesPlainIsTabSeparatedWithoutHeader() throws Exception {
        RunState rs = new RunState("sh-script").start();
        runtime.register(rs);
        String out = gogo.run("resources:runstates -p");
        assertThat(lines(out)).noneMatch(l -> l.startsWith("ID"));
        String[] cells = lineWith(out, "sh-script").split("\t");
        assertThat(cells).hasSize(12);
        assertThat(cells[0]).isEqualTo(String.valueOf(rs.id()));
        assertThat(cells[1]).isEqualTo("sh-script");
        assertThat(cells[2]).isEqualTo("RUNNING");
        assertThat(cells[3]).isEqualTo(SELF);
        assertThat(Instant.parse(cells[4])).isEqualTo(rs.startTime().orElseThrow());
        assertThat(Double.parseDouble(cells[5])).isGreaterThanOrEqualTo(0.0);
        assertThat(Arrays.copyOfRange(cells, 6, 12)).as("done, total, left, parent, message, failure")
                .containsExactly("0", "0", "-", "0", "-", "-");
        rs.stop();
    }

    @Test
    void runstatesShowsProgressTimeLeftAndChildrenUnderTheirParent() throws Exception {
        RunState crawl = new RunState("sh-crawl").start();
        crawl.setTotal(200);
        crawl.advance(50);
        crawl.setMessage("page 50");
        RunState page = crawl.child("sh-page").start();
        RunState pending = crawl.child("sh-pending");
        RunState deep = page.child("sh-deep").start();
        RunState after = new RunState("sh-after").start(); // a higher id: listed after the tree
        runtime.register(crawl);
        runtime.register(after);
        try {
            String out = gogo.run("resources:runstates");
            List<String> lines = lines(out);
            String header = lines.get(0);
            assertThat(header).contains("PROGRESS", "LEFT", "MESSAGE").doesNotContain("FAILURE");
            int nameColumn = header.indexOf("NAME");
            String crawlRow = lineWith(out, "sh-crawl");
            assertThat(crawlRow.indexOf("sh-crawl")).isEqualTo(nameColumn);
            assertThat(crawlRow).contains(" 25% ", "page 50");
            String left = crawlRow.substring(header.indexOf("LEFT") - 2, header.indexOf("MESSAGE")).trim();
            assertThat(left).as("time left: a duration once time has passed since the start").matches("-|[0-9].*s|.*m.*");
            assertThat(lineWith(out, "sh-page").indexOf("sh-page")).as("a child, indented").isEqualTo(nameColumn + 2);
            assertThat(lineWith(out, "sh-deep").indexOf("sh-deep")).as("a grandchild").isEqualTo(nameColumn + 4);
            assertThat(lineWith(out, "sh-pending")).contains("PENDING");
            List<String> order = lines.stream().filter(l -> l.contains("sh-")).map(l -> l.trim().split("\\s+")[1]).toList();
            assertThat(order).containsSubsequence("sh-crawl", "sh-page", "sh-deep", "sh-pending", "sh-after");

            String[] child = lineWith(gogo.run("resources:runstates -p"), "sh-deep").split("\t");
            assertThat(child[1]).as("plain: no indent").isEqualTo("sh-deep");
            assertThat(child[9]).as("plain: the parent's id").isEqualTo(String.valueOf(page.id()));
            String[] parent = lineWith(gogo.run("resources:runstates -p"), "sh-crawl").split("\t");
            assertThat(Arrays.copyOfRange(parent, 6, 8)).containsExactly("50", "200");
            assertThat(parent[10]).isEqualTo("page 50");
        } finally {
            deep.stop();
            page.stop();
            crawl.stop();
            after.stop();
        }
        assertThat(pending.isCancelled()).isFalse();
    }

    @Test
    void runstatesAllShowsWhatFailedTheLastRun() throws Exception {
        RunState rs = new RunState("sh-failing");
        runtime.register(rs);
        assertThatThrownBy(() -> rs.run(() -> {
            throw new IllegalStateException("sh boom\u001b[2J");
        })).hasMessageStartingWith("sh boom");
        String out = gogo.run("resources:runstates -a");
        assertThat(lines(out).get(0)).endsWith("FAILURE");
        assertThat(lineWith(out, "sh-failing")).contains("CANCELLED")
                .endsWith("java.lang.IllegalStateException: sh boom\\u001b[2J").doesNotContain("\u001b");
        assertThat(lineWith(gogo.run("resources:runstates -a -p"), "sh-failing").split("\t")[11])
                .isEqualTo("java.lang.IllegalStateException: sh boom\\u001b[2J");
    }

    @Test
    void cancelOfAParentNamesTheChildrenItCancelled() throws Exception {
        RunState parent = new RunState("sh-family").start();
        RunState a = parent.child("sh-kid-a").start();
        RunState b = parent.child("sh-kid-b");
        RunState grandchild = a.child("sh-grandkid").start();
        runtime.register(parent);
        try {
            assertThat(lines(gogo.run("resources:cancel sh-family"))).containsExactly(
                    "cancelled " + parent.id() + " sh-family (STOPPING)",
                    "cancelled " + a.id() + " sh-kid-a (STOPPING), child of " + parent.id(),
                    "cancelled " + grandchild.id() + " sh-grandkid (STOPPING), child of " + a.id(),
                    "cancelled " + b.id() + " sh-kid-b (PENDING), child of " + parent.id());
            assertThat(List.of(a, b, grandchild)).allMatch(RunState::isCancelled);
        } finally {
            grandchild.stop();
            a.stop();
            parent.stop();
        }
    }

    @Test
    void aChildListedUnderItsParentIsCancelledPausedAndResumedByItsId() throws Exception {
        RunState parent = new RunState("sh-holder").start();
        RunState child = parent.child("sh-held").start();
        runtime.register(parent);
        try {
            assertThat(gogo.run("resources:pause " + child.id())).isEqualTo("paused " + child.id() + " sh-held (PAUSED)\n");
            assertThat(gogo.run("resources:resume sh-held")).isEqualTo("resumed " + child.id() + " sh-held (RUNNING)\n");
            assertThat(gogo.run("resources:cancel " + child.id())).isEqualTo("cancelled " + child.id() + " sh-held (STOPPING)\n");
            assertThat(parent.isCancelled()).isFalse();
        } finally {
            child.stop();
            parent.stop();
        }
    }

    @Test
    void pauseAndResumeByIdAndByName() throws Exception {
        RunState one = new RunState("sh-pause-one").start();
        RunState twinA = new RunState("sh-pause-twin").start();
        RunState twinB = new RunState("sh-pause-twin").start();
        for (RunState rs : List.of(one, twinA, twinB)) {
            runtime.register(rs);
        }
        try {
            assertThat(gogo.run("resources:pause " + one.id())).isEqualTo("paused " + one.id() + " sh-pause-one (PAUSED)\n");
            assertThat(one.isPaused()).isTrue();
            assertThat(lineWith(gogo.run("resources:runstates"), "sh-pause-one")).contains("PAUSED");
            assertThat(lines(gogo.run("resources:pause sh-pause-twin"))).containsExactly(
                    "paused " + twinA.id() + " sh-pause-twin (PAUSED)", "paused " + twinB.id() + " sh-pause-twin (PAUSED)");
            assertThat(gogo.run("resources:pause sh-pause-one")).as("pausing a paused one changes nothing")
                    .isEqualTo("paused " + one.id() + " sh-pause-one (PAUSED)\n");
            assertThat(lines(gogo.run("resources:resume sh-pause-one sh-pause-twin"))).containsExactly(
                    "resumed " + one.id() + " sh-pause-one (RUNNING)", "resumed " + twinA.id() + " sh-pause-twin (RUNNING)",
                    "resumed " + twinB.id() + " sh-pause-twin (RUNNING)");
            assertThat(List.of(one, twinA, twinB)).noneMatch(RunState::isPaused);
        } finally {
            List.of(one, twinA, twinB).forEach(RunState::stop);
        }
    }

    @Test
    void pauseAndResumeErrorsChangeNothing() throws Exception {
        RunState running = new RunState("sh-p-running").start();
        RunState pending = new RunState("sh-p-pending");
        RunState stopping = new RunState("sh-p-stopping").start();
        RunState ended = new RunState("sh-p-ended").start();
        for (RunState rs : List.of(running, pending, stopping, ended)) {
            runtime.register(rs);
        }
        stopping.cancel();
        ended.stop();
        try {
            assertThat(gogo.fail("resources:pause sh-p-running sh-p-pending " + stopping.id() + " nosuch " + ended.id()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("pause: RunState " + pending.id() + " \"sh-p-pending\" is not running (PENDING); RunState "
                            + stopping.id() + " \"sh-p-stopping\" is cancelled (STOPPING); no live RunState has the name"
                            + " \"nosuch\"; RunState " + ended.id() + " has already ended (STOPPED); nothing was paused");
            assertThat(running.isPaused()).as("all or nothing").isFalse();
            assertThat(gogo.fail("resources:resume sh-p-running")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("resume: RunState " + running.id() + " \"sh-p-running\" is not paused (RUNNING); nothing was resumed");
            assertThat(gogo.fail("resources:pause")).hasMessage("pause: give at least one RunState id or name");
            assertThat(gogo.fail("resources:resume")).hasMessage("resume: give at least one RunState id or name");
            assertThat(gogo.fail("resources:resume \"bad\u001bname\"")).hasMessageContaining("bad\\u001bname")
                    .hasMessageNotContaining("\u001b");
        } finally {
            running.stop();
            stopping.stop();
        }
    }

    @Test
    void runstatesAllShowsEndedOnes() throws Exception {
        RunState rs = new RunState("sh-ended").start();
        runtime.register(rs);
        rs.stop();
        assertThat(gogo.run("resources:runstates")).doesNotContain("sh-ended");
        assertThat(lineWith(gogo.run("resources:runstates -a"), "sh-ended")).contains("STOPPED");
        assertThat(lineWith(gogo.run("resources:runstates --all --plain"), "sh-ended")).contains("\tSTOPPED\t");
    }

    @Test
    void cancelByIdAndByName() throws Exception {
        RunState one = new RunState("sh-one").start();
        RunState twinA = new RunState("sh-twin").start();
        RunState twinB = new RunState("sh-twin").start();
        RunState other = new RunState("sh-other").start();
        for (RunState rs : List.of(one, twinA, twinB, other)) {
            runtime.register(rs);
        }
        assertThat(gogo.run("resources:cancel " + one.id())).isEqualTo("cancelled " + one.id() + " sh-one (STOPPING)\n");
        assertThat(one.isCancelled()).isTrue();

        String out = gogo.run("resources:cancel sh-twin");
        assertThat(lines(out)).containsExactly("cancelled " + twinA.id() + " sh-twin (STOPPING)",
                "cancelled " + twinB.id() + " sh-twin (STOPPING)");
        assertThat(other.isCancelled()).isFalse();
        for (RunState rs : List.of(one, twinA, twinB, other)) {
            rs.stop();
        }
    }

    @Test
    void cancelOfAnUnknownIdOrNameCancelsNothing() throws Exception {
        RunState live = new RunState("sh-live").start();
        RunState ended = new RunState("sh-gone").start();
        runtime.register(live);
        runtime.register(ended);
        ended.stop();

        Exception e = gogo.fail("resources:cancel sh-live nosuch 99999999");
        assertThat(e).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no live RunState has the name \"nosuch\"")
                .hasMessageContaining("no live RunState has the id or name \"99999999\"")
                .hasMessageContaining("nothing was cancelled");
        assertThat(live.isCancelled()).isFalse();

        assertThat(gogo.fail("resources:cancel " + ended.id())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("RunState " + ended.id() + " has already ended (STOPPED)");

        assertThat(gogo.fail("resources:cancel")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least one");

        assertThat(gogo.fail("resources:cancel \"bad\u001bname\"")).hasMessageContaining("bad\\u001bname")
                .hasMessageNotContaining("\u001b");
        live.stop();
    }

    @Test
    void opensListsAMultiOpenServiceWithTheOpensOfEachConsumerBundle() throws Exception {
        cs.resources.MultiOpen shared = cs.resources.MultiOpen.of(new cs.resources.Openable() {
            @Override
            public void open() {
            }

            @Override
            public void close() {
            }

            @Override
            public String toString() {
                return "sh-shared";
            }
        });
        org.osgi.framework.ServiceRegistration<?> reg = cs.resources.osgi.MultiOpenServices.register(context, shared, null,
                cs.resources.MultiOpen.class);
        try {
            long id = (Long) reg.getReference().getProperty("service.id");
            // This bundle, as a consumer, gets its own view (the service is registered with views).
            @SuppressWarnings("unchecked")
            ServiceReference<cs.resources.MultiOpen> copy = (ServiceReference<cs.resources.MultiOpen>) reg.getReference();
            cs.resources.MultiOpen view = context.getService(copy);
            view.open();
            view.acquire();
            String out = gogo.run("resources:opens");
            assertThat(lines(out).get(0)).contains("SERVICE", "CLASS", "BUNDLE", "OPENS", "PHASE", "CONSUMERS");
            String self = SELF + " [" + context.getBundle().getBundleId() + "]: 2";
            assertThat(lineWith(out, "OpenableMultiOpen")).contains(String.valueOf(id), "OPEN", self);
            String[] cells = lineWith(gogo.run("resources:opens -p"), "OpenableMultiOpen").split("\t");
            assertThat(cells).containsExactly(String.valueOf(id), "cs.resources.OpenableMultiOpen", SELF, "2", "OPEN", self);
            context.ungetService(copy); // released for this bundle: its two opens are closed for it
            awaitClosed(shared);
            assertThat(lineWith(gogo.run("resources:opens -p"), "OpenableMultiOpen").split("\t"))
                    .containsExactly(String.valueOf(id), "cs.resources.OpenableMultiOpen", SELF, "0", "CLOSED", "-");
        } finally {
            reg.unregister();
        }
    }

    /** The release of a bundle's leftover opens runs in the background: wait for it. */
    static void awaitClosed(cs.resources.MultiOpen m) throws InterruptedException {
        assertThat(m.join(java.time.Duration.ofMillis(TIMEOUT))).isTrue();
        assertThat(m.isClosed()).isTrue();
    }

    @Test
    void poolsListsPoolServices() throws Exception {
        Pool<Object> pool = Pool.builder(Object::new).name("sh-pool").maxSize(3).build();
        context.registerService(Pool.class, pool, null);
        pool.instance().close();
        pool.instance(); // one left out
        String out = gogo.run("resources:pools");
        assertThat(lines(out).get(0)).contains("NAME", "BUNDLE", "MAX", "CREATED", "REUSED", "DROPPED", "EXPIRED", "IDLE",
                "IN USE", "MAX TOTAL", "WAITING", "WAITS", "TIMEOUTS", "LONGEST WAIT", "MEAN WAIT");
        assertThat(lineWith(out, "sh-pool")).contains(SELF);
        String[] cells = lineWith(gogo.run("resources:pools -p"), "sh-pool").split("\t");
        assertThat(Arrays.copyOfRange(cells, 1, cells.length))
                .containsExactly("sh-pool", SELF, "3", "1", "1", "0", "0", "0", "1", "0", "0", "0", "0", "0.000", "0.000", "false",
                        "0", "-", "-", "-", "-", "-", "-");
    }

    @Test
    void runStartsATrackedTaskThatCancelStops() throws Exception {
        String out = gogo.run("resources:run -e 20ms sh-ticker { itest:tick $1 }");
        assertThat(out).startsWith("task ").contains("sh-ticker submitted");
        assertThat(probe.ticks.tryAcquire(3, TIMEOUT, TimeUnit.MILLISECONDS)).as("the closure ran 3 times").isTrue();
        RunState rs = probe.seen;
        assertThat(rs.name()).isEqualTo("sh-ticker");
        assertThat(runtime.runStates()).filteredOn(i -> i.id() == rs.id()).singleElement().satisfies(i -> {
            assertThat(i.source()).isEqualTo(RunStateInfo.Source.TASK);
            assertThat(i.bundle()).as("tasks run from the shell belong to the shell's bundle").isEqualTo("cs.resources.shell");
            assertThat(i.state()).isEqualTo(RunState.State.RUNNING);
        });
        assertThat(lineWith(gogo.run("resources:runstates"), "sh-ticker")).contains("RUNNING", "cs.resources.shell");

        CountDownLatch ended = new CountDownLatch(1);
        rs.onEnd(r -> ended.countDown());
        assertThat(gogo.run("resources:cancel sh-ticker")).startsWith("cancelled " + rs.id() + " sh-ticker");
        assertThat(ended.await(TIMEOUT, TimeUnit.MILLISECONDS) || !rs.isRunning()).isTrue();
        assertThat(rs.state()).isEqualTo(RunState.State.CANCELLED);
        assertThat(runtime.runStates()).noneMatch(i -> i.id() == rs.id());
        assertThat(lineWith(gogo.run("resources:runstates -a"), "sh-ticker")).contains("CANCELLED");
        probe.ticks.drainPermits();
        assertThat(probe.ticks.tryAcquire(100, TimeUnit.MILLISECONDS)).as("no tick after the end").isFalse();
    }

    @Test
    void cancelInterruptsABlockedClosure() throws Exception {
        gogo.run("resources:run sh-blocker { itest:block $1 }");
        assertThat(probe.blocked.await(TIMEOUT, TimeUnit.MILLISECONDS)).isTrue();
        RunState rs = probe.seen;
        CountDownLatch ended = new CountDownLatch(1);
        rs.onEnd(r -> ended.countDown());
        gogo.run("resources:cancel " + rs.id());
        assertThat(probe.interrupted.await(TIMEOUT, TimeUnit.MILLISECONDS)).as("interrupted by the cancel").isTrue();
        assertThat(ended.await(TIMEOUT, TimeUnit.MILLISECONDS) || !rs.isRunning()).isTrue();
        assertThat(rs.state()).isEqualTo(RunState.State.CANCELLED);
    }

    @Test
    void runRejectsABadPause() {
        assertThat(gogo.fail("resources:run -e banana sh-bad { }")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a duration: \"banana\"");
        assertThat(gogo.fail("resources:run -e 0s sh-bad { }")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be positive");
        assertThat(runtime.runStates(true)).noneMatch(i -> i.name().equals("sh-bad"));
    }

    @Test
    void runstatesWithTenThousandRunStates() throws Exception {
        List<cs.resources.Registration> regs = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 10_000; i++) {
                regs.add(runtime.register(new RunState("sh-many-" + i).start()));
            }
            gogo.run("resources:runstates"); // warm up
            long t0 = System.nanoTime();
            String out = gogo.run("resources:runstates");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(out.lines().filter(l -> l.contains("sh-many-"))).hasSize(10_000);
            // A figure for the record (issue target: under 200 ms), printed, not asserted.
            System.out.println("FIGURE resources:runstates with 10,000 RunStates: " + ms + " ms, "
                    + out.length() + " characters");
        } finally {
            regs.forEach(cs.resources.Registration::close);
        }
    }

    @Test
    void theCommandsAreOneServiceWithEveryFunctionSorted() throws Exception {
        ServiceReference<?>[] refs = context.getServiceReferences((String) null, "(osgi.command.scope=resources)");
        assertThat(refs).hasSize(1);
        assertThat((String[]) refs[0].getProperty("osgi.command.function"))
                .containsExactly("cancel", "evict", "opens", "pause", "pools", "resize", "resume", "run", "runstates");
        assertThat(refs[0].getBundle().getSymbolicName()).isEqualTo("cs.resources.shell");
    }
}
