package cs.resources.itest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cs.resources.ClosedException;
import cs.resources.RunState;
import cs.resources.runtime.ResourcesRuntime;
import cs.resources.runtime.RunStateInfo;
import cs.resources.runtime.TaskService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.CountDownLatch;
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

/** The task service: a MultiOpen DS component, configured through Configuration Admin. */
class TaskServiceIT {
    static final long TIMEOUT = 10_000;
    static final String PID = "cs.resources.tasks";
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
        Bundle impl = runtime.multiOpens().stream()
                .filter(m -> m.className().equals(COMPONENT)).findFirst()
                .map(m -> context.getBundle(m.bundleId()))
                .orElseGet(() -> java.util.Arrays.stream(context.getBundles())
                        .filter(b -> "cs.resources.impl".equals(b.getSymbolicName())).findFirst().orElseThrow());
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
        });
        CountDownLatch ended = endOf(rs);
        assertThat(started.await(TIMEOUT, TimeUnit.MILLISECONDS)).isTrue();
        RunStateInfo live = info(runtime, rs, false);
        assertThat(live).isNotNull();
        assertThat(live.source()).isEqualTo(RunStateInfo.Source.TASK);
        assertThat(live.bundle()).isEqualTo("cs.resources.impl");
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
        RunState rs = service.submit("it-fails", r -> {
            go.await();
            throw new java.io.IOException("disk on fire");
        });
        CountDownLatch ended = endOf(rs);
        go.countDown();
        assertThat(ended.await(TIMEOUT, TimeUnit.MILLISECONDS)).isTrue();
        assertThat(rs.state()).isEqualTo(RunState.State.CANCELLED);
        assertThatThrownBy(() -> service.submit(null, r -> { })).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("name");
        assertThatThrownBy(() -> service.submit("x", null)).isInstanceOf(NullPointerException.class)
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
        });
        RunState second = service.submit("it-second", r -> { });
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
    void shutdownWithRunningTasksEndsEveryRunStateAndLeavesNoThreadOfOurs() throws Exception {
        Configuration c = configAdmin.getConfiguration(PID, "?");
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("threads", 3);
        props.put("gracePeriodMillis", 300L);
        c.update(props);
        TaskService service = await(withThreeThreads);

        CountDownLatch running = new CountDownLatch(3);
        CountDownLatch stubbornInterrupted = new CountDownLatch(1);
        List<RunState> all = new ArrayList<>();
        // Two that stop when cancelled.
        for (int i = 0; i < 2; i++) {
            all.add(service.submit("it-polite-" + i, r -> {
                running.countDown();
                while (!r.isCancelled()) {
                    r.sleep(Duration.ofSeconds(30));
                }
            }));
        }
        // One that ignores the cancel and stops only when interrupted, after the grace period.
        all.add(service.submit("it-stubborn", r -> {
            running.countDown();
            try {
                new CountDownLatch(1).await();
            } catch (InterruptedException e) {
                stubbornInterrupted.countDown();
            }
        }));
        // And one still queued behind them: it never starts.
        RunState queued = service.submit("it-queued", r -> {
            throw new AssertionError("a queued task ran after shutdown");
        });
        assertThat(running.await(TIMEOUT, TimeUnit.MILLISECONDS)).isTrue();
        assertThat(queued.state()).isEqualTo(RunState.State.PENDING);
        assertThat(TaskThreads.alive()).hasSizeGreaterThanOrEqualTo(3);

        long t0 = System.nanoTime();
        scr.disableComponent(description()).getValue(); // deactivate: retire, last close, shutdown
        long tookMs = (System.nanoTime() - t0) / 1_000_000;

        assertThat(stubbornInterrupted.getCount()).as("the stubborn task was interrupted").isZero();
        assertThat(tookMs).as("shutdown waited the grace period for the stubborn task").isGreaterThanOrEqualTo(250);
        for (RunState rs : all) {
            assertThat(rs.isRunning()).as(rs.name()).isFalse();
            assertThat(rs.isCancelled()).as(rs.name()).isTrue();
            assertThat(rs.state()).as(rs.name()).isEqualTo(RunState.State.CANCELLED);
        }
        assertThat(queued.isCancelled()).isTrue();
        assertThat(queued.state()).isEqualTo(RunState.State.PENDING); // never started
        assertThat(runtime.runStates()).noneMatch(i -> i.name().startsWith("it-"));
        for (Thread t : TaskThreads.alive()) {
            t.join(TIMEOUT);
        }
        assertThat(TaskThreads.alive()).as("threads of the task service still alive").isEmpty();
        assertThatThrownBy(() -> service.submit("it-late", r -> { })).isInstanceOf(ClosedException.class)
                .hasMessageContaining("it-late").hasMessageContaining("shut down");
    }

    @Test
    void aConsumersOpenKeepsTheTaskServiceRunningPastItsDeactivation() throws Exception {
        TaskService service = tasks.waitForService(TIMEOUT);
        service.open();
        scr.disableComponent(description()).getValue();
        assertThat(service.isOpen()).isTrue();
        RunState rs = service.submit("it-after-deactivate", r -> { });
        CountDownLatch ended = endOf(rs);
        assertThat(ended.await(TIMEOUT, TimeUnit.MILLISECONDS) || rs.state() == RunState.State.STOPPED).isTrue();
        service.close(); // the last close: shutdown now
        assertThat(service.isClosed()).isTrue();
        assertThatThrownBy(service::open).isInstanceOf(ClosedException.class);
        assertThatThrownBy(() -> service.submit("it-late", r -> { })).isInstanceOf(ClosedException.class);
    }
}
