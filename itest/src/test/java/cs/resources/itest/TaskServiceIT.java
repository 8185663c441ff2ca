package cs.resources.itest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cs.resources.ClosedException;
import cs.resources.RunState;
import cs.resources.runtime.ResourcesRuntime;
import cs.resources.runtime.RunStateInfo;
import cs.resources.runtime.TaskHandle;
import cs.resources.runtime.TaskOptions;
import cs.resources.runtime.TaskService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.common.service.ServiceAware;

/**
 * The task service: a DS component configured through Configuration Admin, whose deactivation
 * winds its tasks down without waiting, and whose admission never runs more tasks than configured.
 */
class TaskServiceIT {
    static final long TIMEOUT = 10_000;
    static final String PID = "cs.resources.tasks";
    /** The shared task service; every bundle's TaskService (BundleTaskService) depends on it. */
    static final String COMPONENT = "cs.resources.impl.TaskServiceComponent";

    @InjectService(timeout = TIMEOUT)
    ResourcesRuntime runtime;

    @InjectService(timeout = TIMEOUT)
    ServiceComponentRuntime scr;

    @InjectService(timeout = TIMEOUT)
    ConfigurationAdmin configAdmin;

    @InjectService(cardinality = 0)
    ServiceAware<TaskService> tasks;

    // The component's service carries its configuration: these see a configuration applied.
    @InjectService(cardinality = 0, filter = "(threads=4)")
    ServiceAware<TaskService> withDefaults;

    @InjectService(cardinality = 0, filter = "(threads=1)")
    ServiceAware<TaskService> withOneThread;

    @InjectService(cardinality = 0, filter = "(threads=3)")
    ServiceAware<TaskService> withThreeThreads;

    @InjectBundleContext
    BundleContext context;

    @AfterEach
    void restore() throws Exception {
        Configuration c = configAdmin.getConfiguration(PID, "?");
        if (c.getProperties() != null) {
            c.delete();
        }
        ComponentDescriptionDTO d = description();
        scr.enableComponent(d).getValue();
        // Wait for the default configuration (no "threads" property) to be in place.
        await(withDefaults);
    }

    private ComponentDescriptionDTO description() {
        Bundle impl = java.util.Arrays.stream(context.getBundles())
                .filter(b -> "cs.resources.impl".equals(b.getSymbolicName())).findFirst().orElseThrow();
        return scr.getComponentDescriptionDTO(impl, COMPONENT);
    }

    private static TaskService await(ServiceAware<TaskService> aware) throws InterruptedException {
        TaskService s = aware.waitForService(TIMEOUT);
        assertThat(s).as("a TaskService with the configuration applied").isNotNull();
        return s;
    }

    private static RunStateInfo info(ResourcesRuntime runtime, RunState rs, boolean all) {
        return runtime.runStates(all).stream().filter(i -> i.id() == rs.id()).findFirst().orElse(null);
    }

    private static CountDownLatch endOf(RunState rs) {
        CountDownLatch ended = new CountDownLatch(1);
        rs.onEnd(r -> ended.countDown());
        return ended;
    }

    @Test
    void tasksAreListedAndCancelledThroughTheRuntime() throws Exception {
        TaskService service = tasks.waitForService(TIMEOUT);
        CountDownLatch started = new CountDownLatch(1);
        RunState rs = service.submit("it-loop", r -> {
            started.countDown();
            while (!r.isCancelled()) {
                r.sleep(Duration.ofSeconds(30));
            }
        }).runState();
        CountDownLatch ended = endOf(rs);
        assertThat(started.await(TIMEOUT, TimeUnit.MILLISECONDS)).isTrue();
        RunStateInfo live = info(runtime, rs, false);
        assertThat(live).isNotNull();
        assertThat(live.source()).isEqualTo(RunStateInfo.Source.TASK);
        assertThat(live.bundle()).as("the bundle that submitted it").isEqualTo(context.getBundle().getSymbolicName());
        assertThat(live.bundleId()).isEqualTo(context.getBundle().getBundleId());
        assertThat(live.state()).isEqualTo(RunState.State.RUNNING);

        assertThat(runtime.cancel(List.of(String.valueOf(rs.id())))).singleElement()
                .extracting(RunStateInfo::name).isEqualTo("it-loop");
        assertThat(ended.await(TIMEOUT, TimeUnit.MILLISECONDS)).isTrue();
        assertThat(rs.state()).isEqualTo(RunState.State.CANCELLED);
        assertThat(info(runtime, rs, false)).isNull();
        assertThat(info(runtime, rs, true)).isNotNull().extracting(RunStateInfo::state).isEqualTo(RunState.State.CANCELLED);
    }

    @Test
    void aFailingTaskEndsCancelled() throws Exception {
        TaskService service = tasks.waitForService(TIMEOUT);
        CountDownLatch go = new CountDownLatch(1);
        TaskHandle<Void> h = service.submit("it-fails", r -> {
            go.await();
            throw new java.io.IOException("disk on fire");
        });
        RunState rs = h.runState();
        CountDownLatch ended = endOf(rs);
        go.countDown();
        assertThat(ended.await(TIMEOUT, TimeUnit.MILLISECONDS)).isTrue();
        assertThat(rs.state()).isEqualTo(RunState.State.CANCELLED);
        assertThatThrownBy(() -> h.get(TIMEOUT, TimeUnit.MILLISECONDS)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(java.io.IOException.class).hasRootCauseMessage("disk on fire");
        assertThat(h.failure()).get().extracting(Throwable::getMessage).isEqualTo("disk on fire");
        assertThat(rs.failure()).as("the RunState records it too").get().isSameAs(h.failure().get());
        assertThat(h.isCancelled()).as("failed, not cancelled").isFalse();
        assertThatThrownBy(() -> service.submit(null, r -> { })).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("name");
        assertThatThrownBy(() -> service.submit("x", (cs.resources.runtime.Task) null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("task");
    }

    @Test
    void reconfiguredThroughConfigurationAdmin() throws Exception {
        Configuration c = configAdmin.getConfiguration(PID, "?");
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("threads", 1);
        props.put("gracePeriodMillis", 250L);
        c.update(props);
        TaskService service = await(withOneThread);

        // One thread: a second task waits, PENDING, until the first ends.
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch firstRunning = new CountDownLatch(1);
        RunState first = service.submit("it-first", r -> {
            firstRunning.countDown();
            release.await();
        }).runState();
        RunState second = service.submit("it-second", r -> { }).runState();
        CountDownLatch secondEnded = endOf(second);
        assertThat(firstRunning.await(TIMEOUT, TimeUnit.MILLISECONDS)).isTrue();
        assertThat(second.state()).isEqualTo(RunState.State.PENDING);
        assertThat(info(runtime, second, false)).isNotNull().extracting(RunStateInfo::state)
                .isEqualTo(RunState.State.PENDING);
        release.countDown();
        assertThat(secondEnded.await(TIMEOUT, TimeUnit.MILLISECONDS)).isTrue();
        assertThat(first.isRunning()).isFalse();
        assertThat(second.state()).isEqualTo(RunState.State.STOPPED);
    }

    @Test
    void deactivationReturnsAtOnceAndWindsTheTasksDownAfterIt() throws Exception {
        Configuration c = configAdmin.getConfiguration(PID, "?");
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("threads", 3);
        props.put("gracePeriodMillis", 1000L);
        c.update(props);
        TaskService service = await(withThreeThreads);

        CountDownLatch running = new CountDownLatch(3);
        CountDownLatch stubbornInterrupted = new CountDownLatch(1);
        long[] interruptedAt = new long[1];
        List<TaskHandle<Void>> all = new ArrayList<>();
        // Two that stop when cancelled.
        for (int i = 0; i < 2; i++) {
            all.add(service.submit("it-polite-" + i, r -> {
                running.countDown();
                while (!r.isCancelled()) {
                    r.sleep(Duration.ofSeconds(30));
                }
            }));
        }
        // One that ignores the cancel for 30 s and stops only when interrupted, after the grace period.
        all.add(service.submit("it-stubborn", r -> {
            running.countDown();
            try {
                Thread.sleep(30_000);
            } catch (InterruptedException e) {
                interruptedAt[0] = System.nanoTime();
                stubbornInterrupted.countDown();
            }
        }));
        // And one still queued behind them: it never starts, and ends CANCELLED at once.
        TaskHandle<Void> queued = service.submit("it-queued", r -> {
            throw new AssertionError("a queued task ran after shutdown");
        });
        assertThat(running.await(TIMEOUT, TimeUnit.MILLISECONDS)).isTrue();
        assertThat(queued.runState().state()).isEqualTo(RunState.State.PENDING);
        assertThat(TaskThreads.alive()).hasSizeGreaterThanOrEqualTo(3);

        long t0 = System.nanoTime();
        scr.disableComponent(description()).getValue(); // deactivate: it does not wait for the tasks
        long tookMs = (System.nanoTime() - t0) / 1_000_000;
        assertThat(tookMs).as("deactivation took (ms)").isLessThan(1000);

        assertThat(queued.runState().state()).isEqualTo(RunState.State.CANCELLED);
        assertThat(queued.isDone()).isTrue();
        assertThatThrownBy(queued::get).isInstanceOf(CancellationException.class);
        // The tasks wind down after the deactivation, listed meanwhile.
        assertThat(runtime.runStates()).anyMatch(i -> i.name().equals("it-stubborn") && i.state() == RunState.State.STOPPING);
        assertThat(stubbornInterrupted.await(TIMEOUT, TimeUnit.MILLISECONDS)).as("the stubborn task was interrupted").isTrue();
        assertThat((interruptedAt[0] - t0) / 1_000_000).as("interrupted after the grace period (ms)").isGreaterThanOrEqualTo(900);
        for (TaskHandle<Void> h : all) {
            assertThatThrownBy(() -> h.get(TIMEOUT, TimeUnit.MILLISECONDS)).as(h.runState().name())
                    .isInstanceOf(CancellationException.class);
            RunState rs = h.runState();
            assertThat(rs.isRunning()).as(rs.name()).isFalse();
            assertThat(rs.state()).as(rs.name()).isEqualTo(RunState.State.CANCELLED);
        }
        assertThat(runtime.runStates()).noneMatch(i -> i.name().startsWith("it-"));
        for (Thread t : TaskThreads.alive()) {
            t.join(TIMEOUT);
        }
        assertThat(TaskThreads.alive()).as("threads of the task service still alive").isEmpty();
        assertThatThrownBy(() -> service.submit("it-late", r -> { })).isInstanceOf(ClosedException.class)
                .hasMessageContaining("it-late").hasMessageContaining("shut down");
    }

    @Test
    void aTaskCancelledWhileQueuedEndsCancelledAtOnceAndCompletesItsOutcome() throws Exception {
        Configuration c = configAdmin.getConfiguration(PID, "?");
        c.update(new Hashtable<>(java.util.Map.of("threads", 1)));
        TaskService service = await(withOneThread);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch firstRunning = new CountDownLatch(1);
        TaskHandle<Void> first = service.submit("it-first", r -> {
            firstRunning.countDown();
            release.await();
        });
        TaskHandle<Void> second = service.submit("it-queued-cancel", r -> {
            throw new AssertionError("a cancelled queued task ran");
        });
        CountDownLatch secondEnded = endOf(second.runState());
        assertThat(firstRunning.await(TIMEOUT, TimeUnit.MILLISECONDS)).isTrue();

        assertThat(runtime.cancel(List.of("it-queued-cancel"))).singleElement()
                .extracting(RunStateInfo::state).isEqualTo(RunState.State.CANCELLED);
        assertThat(secondEnded.getCount()).as("its end listeners ran at once").isZero();
        assertThat(second.isDone()).isTrue();
        assertThat(second.isCancelled()).isTrue();
        assertThatThrownBy(second::get).isInstanceOf(CancellationException.class);
        assertThat(second.completion().toCompletableFuture().isCompletedExceptionally()).isTrue();
        assertThat(info(runtime, second.runState(), false)).as("no longer listed as live").isNull();
        assertThat(info(runtime, second.runState(), true)).isNotNull();
        assertThat(first.isDone()).isFalse();
        release.countDown();
        assertThat(first.get(TIMEOUT, TimeUnit.MILLISECONDS)).isNull();
        assertThat(first.runState().state()).isEqualTo(RunState.State.STOPPED);
        assertThat(first.cancel(true)).as("nothing to cancel once done").isFalse();
    }

    @Test
    void aTaskRunsWithItsRunStateCurrent() throws Exception {
        TaskService service = tasks.waitForService(TIMEOUT);
        java.util.concurrent.atomic.AtomicReference<RunState> seen = new java.util.concurrent.atomic.AtomicReference<>();
        TaskHandle<Void> h = service.submit("it-current", r -> seen.set(RunState.current().orElse(null)));
        assertThat(h.get(TIMEOUT, TimeUnit.MILLISECONDS)).isNull();
        assertThat(seen.get()).isSameAs(h.runState());
    }

    @Test
    void aDeadlineCancelsATaskThatRunsPastIt() throws Exception {
        TaskService service = tasks.waitForService(TIMEOUT);
        TaskHandle<Void> h = service.submit("it-deadline", r -> {
            while (!r.isCancelled()) {
                r.sleep(Duration.ofSeconds(30));
            }
        }, TaskOptions.defaults().deadline(Duration.ofMillis(200)));
        assertThatThrownBy(() -> h.get(TIMEOUT, TimeUnit.MILLISECONDS)).isInstanceOf(CancellationException.class);
        assertThat(h.runState().state()).isEqualTo(RunState.State.CANCELLED);
        assertThat(h.runState().runTime()).isGreaterThanOrEqualTo(Duration.ofMillis(200));
        assertThatThrownBy(() -> TaskOptions.defaults().deadline(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("deadline must be positive, not PT0S");
        assertThatThrownBy(() -> service.submit("x", r -> { }, (TaskOptions) null)).isInstanceOf(NullPointerException.class)
                .hasMessage("options");
    }

    @Test
    void reconfiguredAHundredTimesUnderLoadNeverRunsMoreTasksThanConfigured() throws Exception {
        Configuration c = configAdmin.getConfiguration(PID, "?");
        java.util.concurrent.atomic.AtomicInteger active = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger violations = new java.util.concurrent.atomic.AtomicInteger();
        for (int round = 1; round <= 100; round++) {
            int threads = 1 + round % 3;
            c.update(new Hashtable<>(java.util.Map.of("threads", threads, "gracePeriodMillis", 250L)));
            TaskService service = awaitThreads(threads);
            // Jobs of earlier rounds have all ended: this round's may run only `threads` at once.
            int batch = 6;
            List<TaskHandle<Void>> handles = new ArrayList<>();
            for (int j = 0; j < batch; j++) {
                handles.add(service.submit("it-load-" + round + "-" + j, r -> {
                    if (active.incrementAndGet() > threads) {
                        violations.incrementAndGet();
                    }
                    try {
                        Thread.sleep(1);
                    } finally {
                        active.decrementAndGet();
                    }
                }));
            }
            for (TaskHandle<Void> h : handles) {
                h.get(TIMEOUT, TimeUnit.MILLISECONDS);
            }
        }
        assertThat(violations).as("tasks that started while the configured number ran").hasValue(0);
    }

    /** Waits until the task service runs with {@code threads} (its service property says so). */
    private TaskService awaitThreads(int threads) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT * 1_000_000L;
        for (;;) {
            org.osgi.framework.ServiceReference<TaskService> ref = tasks.getServiceReference();
            if (ref != null && Integer.valueOf(threads).equals(ref.getProperty("threads"))) {
                return tasks.getService();
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("the task service did not get threads=" + threads);
            }
            Thread.onSpinWait();
            Thread.sleep(1);
        }
    }
}
