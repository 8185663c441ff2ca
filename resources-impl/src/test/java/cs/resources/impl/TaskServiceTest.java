package cs.resources.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cs.resources.ClosedException;
import cs.resources.RunState;
import cs.resources.runtime.RunStateInfo;
import cs.resources.runtime.Task;
import cs.resources.runtime.TaskHandle;
import cs.resources.runtime.TaskOptions;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The task service without a framework: results, delays, fixed rates, cancel reasons, child
 * tasks and the events of each task, on a real {@link TaskServiceComponent} (its own threads and
 * timer). The listing is a map here (the runtime's registry in a framework, tested by the
 * itests); the events are recorded as the EventAdmin component would receive them.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TaskServiceTest {

    static final long WAIT = 20;
    static final long OWNER_ID = 42;
    static final String OWNER = "cs.resources.test.owner";

    /** What the runtime would list: each tracked task, with its next-run supplier. */
    final Map<RunState, Supplier<Instant>> listed = new ConcurrentHashMap<>();
    /** The bundle each task was listed for: id and symbolic name. */
    final Map<RunState, String> owners = new ConcurrentHashMap<>();
    /** The events, in the order the service handed them over. */
    final List<Map.Entry<String, Map<String, Object>>> events = new CopyOnWriteArrayList<>();

    final TaskServiceComponent service = service(2);

    TaskServiceComponent service(int threads) {
        TaskServiceComponent s = new TaskServiceComponent((rs, bundleId, bundle, nextRun) -> {
            owners.put(rs, bundleId + " " + bundle);
            listed.put(rs, nextRun);
            return () -> listed.remove(rs);
        }, OWNER_ID, OWNER, TaskServiceComponent.config(threads, 200));
        s.events(new TaskEvents() {
            @Override
            public boolean listening() {
                return true;
            }

            @Override
            public void post(String topic, Map<String, Object> properties) {
                events.add(Map.entry(topic, properties));
            }
        });
        return s;
    }

    @AfterEach
    void shutDown() {
        service.deactivate();
    }

    /** @return the topics (last segment) of the events of the task with this RunState, in order */
    List<String> topics(RunState rs) {
        List<String> topics = new ArrayList<>();
        for (Map.Entry<String, Map<String, Object>> e : events) {
            if (Long.valueOf(rs.id()).equals(e.getValue().get(TaskEvents.ID))) {
                topics.add(e.getKey().substring(TaskEvents.PREFIX.length()));
            }
        }
        return topics;
    }

    Map<String, Object> event(RunState rs, String topic) {
        return events.stream().filter(e -> e.getKey().equals(TaskEvents.PREFIX + topic)
                && Long.valueOf(rs.id()).equals(e.getValue().get(TaskEvents.ID))).map(Map.Entry::getValue).findFirst()
                .orElseThrow(() -> new AssertionError("no " + topic + " event of " + rs + " in " + events));
    }

    static void await(CountDownLatch latch) throws InterruptedException {
        assertThat(latch.await(WAIT, TimeUnit.SECONDS)).as("latch").isTrue();
    }

    static <T> T get(TaskHandle<T> h) throws Exception {
        return h.get(WAIT, TimeUnit.SECONDS);
    }

    /** @return the outcome's failure, unwrapped */
    static Throwable failureOf(TaskHandle<?> h) {
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> get(h));
        assertThat(t).isInstanceOf(ExecutionException.class);
        return t.getCause();
    }

    static CancellationException cancellationOf(TaskHandle<?> h) {
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> get(h));
        assertThat(t).isInstanceOf(CancellationException.class);
        return (CancellationException) t;
    }

    // ------------------------------------------------------------------------------- results

    @Test
    void aCallablesResultIsTheHandlesAndItsRunStateIsCurrentInIt() throws Exception {
        AtomicReference<RunState> current = new AtomicReference<>();
        TaskHandle<Integer> h = service.submit("answer", () -> {
            current.set(RunState.current().orElse(null));
            return 42;
        });
        assertThat(get(h)).isEqualTo(42);
        assertThat(current.get()).isSameAs(h.runState());
        assertThat(owners.get(h.runState())).isEqualTo(OWNER_ID + " " + OWNER);
        assertThat(h.runState().state()).isEqualTo(RunState.State.STOPPED);
        assertThat(h.isCancelled()).isFalse();
        assertThat(h.failure()).isEmpty();
        assertThat(h.completion().toCompletableFuture().get(WAIT, TimeUnit.SECONDS)).isEqualTo(42);
        assertThat(topics(h.runState())).containsExactly("SUBMITTED", "STARTED", "COMPLETED");
        assertThat(listed).as("no longer listed as a task once ended").doesNotContainKey(h.runState());
    }

    @Test
    void aTaskStillGivesNullAndTheOldFormsStillCompile() throws Exception {
        Task task = rs -> rs.setMessage("done");
        TaskHandle<Void> h = service.submit("plain", task);
        TaskHandle<Void> i = service.submit("interrupting", task, true);
        TaskHandle<Void> o = service.submit("options", task, TaskOptions.defaults());
        assertThat(get(h)).isNull();
        assertThat(get(i)).isNull();
        assertThat(get(o)).isNull();
    }

    @Test
    void aCallableThatThrowsFailsWithWhatItThrew() throws Exception {
        IOException boom = new IOException("disk gone");
        TaskHandle<String> h = service.submit("fails", () -> {
            throw boom;
        });
        assertThat(failureOf(h)).isSameAs(boom);
        assertThat(h.failure()).containsSame(boom);
        assertThat(h.isCancelled()).isFalse();
        assertThat(topics(h.runState())).containsExactly("SUBMITTED", "STARTED", "FAILED");
        Map<String, Object> failed = event(h.runState(), "FAILED");
        assertThat(failed).containsEntry(TaskEvents.FAILURE, boom.toString()).containsEntry("exception", boom);
    }

    @Test
    void eachEventNamesTheTaskAndTheBundleItBelongsTo() throws Exception {
        TaskHandle<String> h = service.submit("named", () -> "ok");
        get(h);
        for (String topic : List.of("SUBMITTED", "STARTED", "COMPLETED")) {
            Map<String, Object> e = event(h.runState(), topic);
            assertThat(e).containsEntry(TaskEvents.NAME, "named").containsEntry("bundle.id", OWNER_ID)
                    .containsEntry("bundle.symbolicName", OWNER).containsKey("timestamp").containsKey(TaskEvents.STATE)
                    .doesNotContainKey(TaskEvents.PARENT_ID);
        }
        assertThat(event(h.runState(), "STARTED")).containsEntry(TaskEvents.STATE, "RUNNING");
        assertThat(event(h.runState(), "COMPLETED")).containsEntry(TaskEvents.STATE, "STOPPED");
    }

    // ----------------------------------------------------------------------- cancel, reasons

    @Test
    void aCancelReasonIsShownKeptInTheOutcomeAndSentWithTheEvents() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        TaskHandle<Void> h = service.submit("long", rs -> {
            running.countDown();
            while (!rs.isCancelled()) {
                rs.sleep(Duration.ofSeconds(30));
            }
        });
        await(running);
        assertThat(h.cancelReason()).isEmpty();
        assertThat(h.cancel("the operator asked")).isTrue();
        assertThat(h.runState().cancelReason()).contains("the operator asked");
        CancellationException c = cancellationOf(h);
        assertThat(c).hasMessageContaining("long").hasMessageEndingWith(": the operator asked");
        assertThat(h.cancelReason()).contains("the operator asked");
        assertThat(h.isCancelled()).isTrue();
        assertThat(h.cancel("again")).as("already ended").isFalse();
        assertThat(topics(h.runState())).containsExactly("SUBMITTED", "STARTED", "STOPPING", "CANCELLED");
        assertThat(event(h.runState(), "STOPPING")).containsEntry(TaskEvents.REASON, "the operator asked")
                .containsEntry(TaskEvents.STATE, "STOPPING");
        assertThat(event(h.runState(), "CANCELLED")).containsEntry(TaskEvents.REASON, "the operator asked");
        RunStateInfo info = RunStateInfos.of(h.runState(), OWNER_ID, OWNER, RunStateInfo.Source.TASK);
        assertThat(info.cancelReason()).isEqualTo("the operator asked");
    }

    @Test
    void aDeadlineSaysSoAsTheReason() throws Exception {
        TaskHandle<Void> h = service.submit("slow", rs -> {
            while (!rs.isCancelled()) {
                rs.sleep(Duration.ofSeconds(30));
            }
        }, TaskOptions.defaults().deadline(Duration.ofMillis(50)));
        assertThat(cancellationOf(h)).hasMessageEndingWith("it ran past its deadline of PT0.05S");
    }

    @Test
    void aTaskQueuedBehindOthersAndCancelledNeverRuns() throws Exception {
        TaskServiceComponent one = service(1);
        try {
            CountDownLatch release = new CountDownLatch(1);
            TaskHandle<Void> first = one.submit("first", rs -> release.await());
            AtomicInteger ran = new AtomicInteger();
            TaskHandle<Integer> queued = one.submit("queued", ran::incrementAndGet);
            assertThat(queued.runState().state()).isEqualTo(RunState.State.PENDING);
            assertThat(queued.cancel("no longer needed")).isTrue();
            assertThat(cancellationOf(queued)).hasMessageEndingWith(": no longer needed");
            assertThat(queued.runState().state()).isEqualTo(RunState.State.CANCELLED);
            assertThat(topics(queued.runState())).containsExactly("SUBMITTED", "CANCELLED");
            release.countDown();
            get(first);
            assertThat(ran).hasValue(0);
        } finally {
            one.deactivate();
        }
    }

    // ------------------------------------------------------------------------------- delays

    @Test
    void aScheduledTaskWaitsForItsTimeListedWithItsNextRun() throws Exception {
        Duration delay = Duration.ofMillis(300);
        long before = System.nanoTime();
        Instant earliest = Instant.now().plus(delay);
        AtomicReference<Long> startedAfter = new AtomicReference<>();
        TaskHandle<String> h = service.schedule("later", () -> {
            startedAfter.set(System.nanoTime() - before);
            return "ran";
        }, delay);
        Instant next = h.nextRun().orElse(null);
        if (!h.isDone() && h.runState().state() == RunState.State.PENDING && next != null) {
            // Still waiting (on a busy machine it may be running already): listed with its next run.
            assertThat(next).isAfterOrEqualTo(earliest.minusMillis(50));
            Instant listedNext = listed.get(h.runState()) == null ? null : listed.get(h.runState()).get();
            assertThat(listedNext == null || listedNext.equals(next)).isTrue();
        }
        assertThat(get(h)).isEqualTo("ran");
        assertThat(startedAfter.get()).as("not before its delay").isGreaterThanOrEqualTo(delay.toNanos());
        assertThat(h.nextRun()).isEmpty();
        Map<String, Object> submitted = event(h.runState(), "SUBMITTED");
        assertThat((Long) submitted.get(TaskEvents.NEXT_RUN)).isGreaterThanOrEqualTo(earliest.toEpochMilli() - 50);
        assertThat(topics(h.runState())).containsExactly("SUBMITTED", "STARTED", "COMPLETED");
    }

    @Test
    void aScheduledTaskCancelledBeforeItsTimeEndsAtOnceWithoutRunning() throws Exception {
        AtomicInteger ran = new AtomicInteger();
        TaskHandle<Integer> h = service.schedule("in an hour", ran::incrementAndGet, Duration.ofHours(1));
        assertThat(h.runState().state()).isEqualTo(RunState.State.PENDING);
        assertThat(h.nextRun()).isPresent();
        assertThat(listed.get(h.runState()).get()).isEqualTo(h.nextRun().get());
        RunStateInfo info = RunStateInfos.of(h.runState(), OWNER_ID, OWNER, RunStateInfo.Source.TASK,
                listed.get(h.runState()).get());
        assertThat(info.nextRun()).isEqualTo(h.nextRun().get());
        assertThat(info.isLive()).isTrue();
        h.runState().cancel("plans changed"); // through its RunState, as the runtime does
        assertThat(cancellationOf(h)).hasMessageEndingWith(": plans changed");
        assertThat(ran).hasValue(0);
        assertThat(h.runState().state()).isEqualTo(RunState.State.CANCELLED);
        assertThat(h.nextRun()).isEmpty();
        assertThat(listed).doesNotContainKey(h.runState());
        assertThat(topics(h.runState())).containsExactly("SUBMITTED", "CANCELLED");
    }

    @Test
    void aZeroOrNegativeDelayRunsNow() throws Exception {
        assertThat(get(service.schedule("now", () -> 1, Duration.ZERO))).isEqualTo(1);
        assertThat(get(service.schedule("past", () -> 2, Duration.ofSeconds(-5)))).isEqualTo(2);
    }

    // --------------------------------------------------------------------------- fixed rate

    @Test
    void aRepeatingTaskRunsAgainWithOneRunStateUntilCancelledAndThenRunsNoMore() throws Exception {
        TaskServiceComponent one = service(1);
        try {
            AtomicInteger runs = new AtomicInteger();
            CountDownLatch three = new CountDownLatch(3);
            List<RunState> seen = new CopyOnWriteArrayList<>();
            TaskHandle<Void> h = one.scheduleAtFixedRate("tick", rs -> {
                seen.add(rs);
                runs.incrementAndGet();
                three.countDown();
            }, Duration.ZERO, Duration.ofMillis(40));
            await(three);
            assertThat(seen).allSatisfy(rs -> assertThat(rs).isSameAs(h.runState()));
            assertThat(h.isDone()).isFalse();
            h.cancel("enough");
            assertThat(cancellationOf(h)).hasMessageEndingWith(": enough");
            int atCancel = runs.get();
            // The timer queues what is due in order, and one thread runs what is queued in order:
            // a task due three periods from now runs after any run of "tick" still scheduled.
            get(one.schedule("marker", () -> null, Duration.ofMillis(120)));
            assertThat(runs.get()).as("no run after the cancel").isEqualTo(atCancel);
            assertThat(h.nextRun()).isEmpty();
            assertThat(listed).doesNotContainKey(h.runState());
            List<String> topics = topics(h.runState());
            assertThat(topics.get(0)).isEqualTo("SUBMITTED");
            assertThat(topics.get(topics.size() - 1)).isEqualTo("CANCELLED");
            assertThat(topics).contains("RESCHEDULED").filteredOn("STARTED"::equals).hasSize(atCancel);
        } finally {
            one.deactivate();
        }
    }

    @Test
    void betweenRunsARepeatingTaskIsListedLiveWithItsNextRun() throws Exception {
        CountDownLatch first = new CountDownLatch(1);
        TaskHandle<Void> h = service.scheduleAtFixedRate("hourly", rs -> first.countDown(), Duration.ZERO,
                Duration.ofHours(1));
        await(first);
        while (h.nextRun().isEmpty()) {
            Thread.onSpinWait(); // the run is ending: its next run is set right after
        }
        RunStateInfo info = RunStateInfos.of(h.runState(), OWNER_ID, OWNER, RunStateInfo.Source.TASK,
                listed.get(h.runState()).get());
        assertThat(info.state()).isEqualTo(RunState.State.STOPPED);
        assertThat(info.nextRun()).isEqualTo(h.nextRun().get()).isAfter(Instant.now().plusSeconds(3500));
        assertThat(info.isLive()).as("waiting for its next run").isTrue();
        assertThat(event(h.runState(), "RESCHEDULED")).containsKey(TaskEvents.NEXT_RUN);
        h.runState().cancel();
        assertThat(cancellationOf(h)).hasMessage("task \"hourly\" was cancelled");
        assertThat(h.runState().state()).isEqualTo(RunState.State.CANCELLED);
    }

    @Test
    void aFailingRunEndsTheRepetitionWithItsFailure() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        IllegalStateException boom = new IllegalStateException("second run failed");
        TaskHandle<Void> h = service.scheduleAtFixedRate("flaky", rs -> {
            if (runs.incrementAndGet() == 2) {
                throw boom;
            }
        }, Duration.ZERO, Duration.ofMillis(10));
        assertThat(failureOf(h)).isSameAs(boom);
        assertThat(runs).hasValue(2);
        assertThat(topics(h.runState())).endsWith("FAILED");
    }

    @Test
    void runsThatTakeLongerThanThePeriodNeverOverlap() throws Exception {
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        CountDownLatch four = new CountDownLatch(4);
        TaskHandle<Void> h = service.scheduleAtFixedRate("slow tick", rs -> {
            if (inside.incrementAndGet() > 1) {
                overlaps.incrementAndGet();
            }
            Thread.sleep(30); // longer than the period: the next run is due before this one ends
            inside.decrementAndGet();
            four.countDown();
        }, Duration.ZERO, Duration.ofMillis(5));
        await(four);
        h.cancel(false);
        cancellationOf(h);
        assertThat(overlaps).hasValue(0);
    }

    // ------------------------------------------------------------------------------ children

    @Test
    void aParentCompletesOnlyAfterItsChildTasksHaveEnded() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch parentReturned = new CountDownLatch(1);
        AtomicReference<TaskHandle<String>> child = new AtomicReference<>();
        TaskHandle<String> parent = service.submit("parent", () -> {
            child.set(service.submit("child", () -> {
                release.await();
                return "child done";
            }));
            parentReturned.countDown();
            return "parent done";
        });
        await(parentReturned);
        RunState childState = child.get().runState();
        assertThat(childState.parent()).containsSame(parent.runState());
        // The parent's body has returned; its handle waits for the child.
        while (parent.runState().isRunning()) {
            Thread.onSpinWait();
        }
        assertThat(parent.isDone()).isFalse();
        assertThat(listed).as("still listed while its child runs").containsKey(parent.runState());
        release.countDown();
        assertThat(get(parent)).isEqualTo("parent done");
        assertThat(child.get().isDone()).as("the child ended first").isTrue();
        assertThat(event(childState, "SUBMITTED")).containsEntry(TaskEvents.PARENT_ID, parent.runState().id());
        int childEnd = events.indexOf(events.stream().filter(e -> e.getKey().endsWith("COMPLETED")
                && e.getValue().get(TaskEvents.ID).equals(childState.id())).findFirst().orElseThrow());
        int parentEnd = events.indexOf(events.stream().filter(e -> e.getKey().endsWith("COMPLETED")
                && e.getValue().get(TaskEvents.ID).equals(parent.runState().id())).findFirst().orElseThrow());
        assertThat(childEnd).isLessThan(parentEnd);
    }

    @Test
    void aFailingChildTaskCancelsItsParentAndSiblingsAndIsTheParentsFailure() throws Exception {
        // Three threads: the parent waits in its body for the cancel, the sibling runs, and the
        // failing child needs a thread of its own to fail.
        TaskServiceComponent service = service(3);
        try {
            failingChild(service);
        } finally {
            service.deactivate();
        }
    }

    private void failingChild(TaskServiceComponent service) throws Exception {
        IOException boom = new IOException("child failed");
        CountDownLatch siblingRunning = new CountDownLatch(1);
        AtomicReference<TaskHandle<Void>> sibling = new AtomicReference<>();
        AtomicReference<TaskHandle<Void>> failing = new AtomicReference<>();
        TaskHandle<String> parent = service.submit("parent", () -> {
            RunState self = RunState.current().orElseThrow();
            sibling.set(service.submit("sibling", rs -> {
                siblingRunning.countDown();
                while (!rs.isCancelled()) {
                    rs.sleep(Duration.ofSeconds(30));
                }
            }));
            await(siblingRunning);
            failing.set(service.submit("failing", rs -> {
                throw boom;
            }));
            while (!self.isCancelled()) {
                self.sleep(Duration.ofSeconds(30)); // until the child's failure cancels it
            }
            return "not the outcome";
        });
        assertThat(failureOf(parent)).isSameAs(boom);
        assertThat(parent.failure()).containsSame(boom);
        assertThat(parent.runState().cancelReason()).hasValueSatisfying(r -> assertThat(r)
                .startsWith("child task \"failing\" (" + failing.get().runState().id() + ") failed: ")
                .contains("child failed"));
        assertThat(sibling.get().isCancelled()).as("the sibling was cancelled with the parent").isTrue();
        assertThat(sibling.get().cancelReason()).isEqualTo(parent.runState().cancelReason());
        assertThat(topics(parent.runState())).endsWith("FAILED");
    }

    @Test
    void aCancelledChildDoesNotFailItsParent() throws Exception {
        TaskHandle<String> parent = service.submit("parent", () -> {
            TaskHandle<Void> child = service.submit("child", rs -> {
                while (!rs.isCancelled()) {
                    rs.sleep(Duration.ofSeconds(30));
                }
            });
            child.cancel("not needed");
            return "fine";
        });
        assertThat(get(parent)).isEqualTo("fine");
    }

    @Test
    void aRunningChildRunStateDelaysItsParentsEnd() throws Exception {
        AtomicReference<RunState> plain = new AtomicReference<>();
        CountDownLatch bodyReturned = new CountDownLatch(1);
        TaskHandle<String> parent = service.submit("parent", () -> {
            plain.set(RunState.current().orElseThrow().child("helper").start()); // run by a thread of the task's own
            bodyReturned.countDown();
            return "done";
        });
        await(bodyReturned);
        while (parent.runState().isRunning()) {
            Thread.onSpinWait();
        }
        assertThat(parent.isDone()).isFalse();
        plain.get().stop();
        assertThat(get(parent)).isEqualTo("done");
    }

    @Test
    void aTaskSubmittedOutsideAnyTaskHasNoParent() throws Exception {
        TaskHandle<Integer> h = service.submit("alone", () -> 1);
        get(h);
        assertThat(h.runState().parent()).isEmpty();
    }

    // ------------------------------------------------------------------------------ shutdown

    @Test
    void atShutdownWaitingAndRepeatingTasksEndCancelledWithTheReason() throws Exception {
        TaskServiceComponent s = service(1);
        CountDownLatch running = new CountDownLatch(1);
        TaskHandle<Void> busy = s.submit("busy", rs -> {
            running.countDown();
            while (!rs.isCancelled()) {
                rs.sleep(Duration.ofSeconds(30));
            }
        });
        await(running);
        TaskHandle<Integer> queued = s.submit("queued", () -> 1);
        TaskHandle<Integer> later = s.schedule("later", () -> 2, Duration.ofHours(1));
        TaskHandle<Void> repeating = s.scheduleAtFixedRate("repeating", rs -> { }, Duration.ofHours(1),
                Duration.ofHours(1));
        s.deactivate();
        for (TaskHandle<?> h : List.of(busy, queued, later, repeating)) {
            assertThat(cancellationOf(h)).as(h.toString()).hasMessageEndingWith(": " + TaskServiceComponent.SHUTDOWN_REASON);
        }
        assertThat(queued.runState().state()).isEqualTo(RunState.State.CANCELLED);
        assertThat(later.runState().state()).isEqualTo(RunState.State.CANCELLED);
        assertThatThrownBy(() -> s.submit("too late", () -> 3)).isInstanceOf(ClosedException.class)
                .hasMessageContaining("too late").hasMessageContaining("shut down");
        assertThatThrownBy(() -> s.schedule("too late", () -> 3, Duration.ofSeconds(1))).isInstanceOf(ClosedException.class);
        assertThat(listed).isEmpty();
    }

    // ----------------------------------------------------------------------------- ownership

    @Test
    void theTasksOfABundleThatLetsGoEndWithOneWarningNamingItAndTheStubbornAreInterrupted() throws Exception {
        java.util.logging.Logger jul = java.util.logging.Logger.getLogger(TaskServiceComponent.class.getName());
        List<java.util.logging.LogRecord> logged = new CopyOnWriteArrayList<>();
        java.util.logging.Handler capture = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                logged.add(r);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        jul.addHandler(capture);
        try {
            CountDownLatch running = new CountDownLatch(2);
            CountDownLatch interrupted = new CountDownLatch(1);
            TaskHandle<Void> polite = service.launch(7, "consumer", "polite", TaskServiceComponent.work((Task) rs -> {
                running.countDown();
                while (!rs.isCancelled()) {
                    rs.sleep(Duration.ofSeconds(30));
                }
            }), TaskOptions.defaults(), null, null);
            TaskHandle<Void> stubborn = service.launch(7, "consumer", "stubborn", TaskServiceComponent.work((Task) rs -> {
                running.countDown();
                try {
                    Thread.sleep(30_000); // ignores the cancel
                } catch (InterruptedException e) {
                    interrupted.countDown();
                }
            }), TaskOptions.defaults(), null, null);
            TaskHandle<Integer> later = service.launch(7, "consumer", "later", TaskServiceComponent.work(() -> 1),
                    TaskOptions.defaults(), Duration.ofHours(1), null);
            TaskHandle<Integer> others = service.schedule("someone else's", () -> 2, Duration.ofHours(1));
            await(running);
            assertThat(owners.get(polite.runState())).isEqualTo("7 consumer");
            assertThat(event(polite.runState(), "STARTED")).containsEntry("bundle.id", 7L)
                    .containsEntry("bundle.symbolicName", "consumer");

            service.endTasksOf(7, "consumer", "bundle consumer (7) stopped", true);

            assertThat(cancellationOf(later)).hasMessageEndingWith(": bundle consumer (7) stopped");
            assertThat(cancellationOf(polite)).hasMessageEndingWith(": bundle consumer (7) stopped");
            await(interrupted); // after the grace period (200 ms here)
            assertThat(cancellationOf(stubborn)).hasMessageEndingWith(": bundle consumer (7) stopped");
            assertThat(others.isDone()).as("another bundle's task goes on").isFalse();
            assertThat(logged).filteredOn(r -> r.getLevel() == java.util.logging.Level.WARNING).singleElement()
                    .satisfies(r -> assertThat(r.getMessage()).startsWith("bundle consumer (7) stopped: its 3 tasks are cancelled")
                            .contains("\"polite\"").contains("\"stubborn\"").contains("\"later\""));
            service.endTasksOf(7, "consumer", "again", true);
            service.endTasksOf(8, "idle", "a bundle without tasks", true);
            assertThat(logged).as("no warning when there is nothing to end").hasSize(1);
            // The framework stops: the tasks end all the same, without a warning.
            TaskHandle<Integer> atShutdown = service.launch(9, "other", "at shutdown", TaskServiceComponent.work(() -> 3),
                    TaskOptions.defaults(), Duration.ofHours(1), null);
            service.endTasksOf(9, "other", "bundle other (9) stopped", false);
            assertThat(cancellationOf(atShutdown)).hasMessageEndingWith(": bundle other (9) stopped");
            assertThat(logged).filteredOn(r -> r.getLevel() == java.util.logging.Level.WARNING).hasSize(1);
            others.cancel(true);
        } finally {
            jul.removeHandler(capture);
        }
    }

    // ----------------------------------------------------------------------------- bad input

    @Test
    void badArgumentsAreRefusedAndNothingIsListed() {
        Callable<Integer> c = () -> 1;
        Task t = rs -> { };
        assertThatThrownBy(() -> service.submit(null, c)).isInstanceOf(NullPointerException.class).hasMessage("name");
        assertThatThrownBy(() -> service.submit("x", (Callable<Integer>) null)).isInstanceOf(NullPointerException.class)
                .hasMessage("task");
        assertThatThrownBy(() -> service.submit("x", c, null)).isInstanceOf(NullPointerException.class)
                .hasMessage("options");
        assertThatThrownBy(() -> service.schedule("x", c, null)).isInstanceOf(NullPointerException.class)
                .hasMessage("delay");
        assertThatThrownBy(() -> service.scheduleAtFixedRate("x", t, null, Duration.ofSeconds(1)))
                .isInstanceOf(NullPointerException.class).hasMessage("initialDelay");
        assertThatThrownBy(() -> service.scheduleAtFixedRate("x", t, Duration.ZERO, null))
                .isInstanceOf(NullPointerException.class).hasMessage("period");
        for (Duration bad : List.of(Duration.ZERO, Duration.ofMillis(-1))) {
            assertThatThrownBy(() -> service.scheduleAtFixedRate("every", t, Duration.ZERO, bad))
                    .isExactlyInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("\"every\"").hasMessageContaining("period must be positive, not " + bad);
        }
        assertThat(listed).isEmpty();
        assertThat(events).isEmpty();
    }
}
