package cs.resources.itest;

import static org.assertj.core.api.Assertions.assertThat;

import cs.resources.RunState;
import cs.resources.runtime.TaskHandle;
import cs.resources.runtime.TaskService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

/**
 * The task service's EventAdmin events, through Felix EventAdmin: one event per change of a task's
 * state, topics under {@code cs/resources/task/}, in order for each task, with the task's id,
 * name and bundle; none while EventAdmin is stopped, and the tasks run all the same.
 */
class TaskEventsIT {
    static final long TIMEOUT = 10_000;
    static final String TOPICS = "cs/resources/task/*";
    /** The bundle the tasks submitted here belong to: this one. */
    static final String OWNER = "cs.resources.itest.tests";

    @InjectService(timeout = TIMEOUT)
    TaskService tasks;

    @InjectBundleContext
    BundleContext context;

    /** Every task event handed to our handler, in the order EventAdmin delivered them. */
    final LinkedBlockingQueue<Event> received = new LinkedBlockingQueue<>();
    ServiceRegistration<EventHandler> handler;

    @BeforeEach
    void listen() {
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(EventConstants.EVENT_TOPIC, TOPICS);
        handler = context.registerService(EventHandler.class, received::add, props);
    }

    @AfterEach
    void stopListening() throws Exception {
        handler.unregister();
        Bundle ea = eventAdmin();
        if (ea.getState() != Bundle.ACTIVE) {
            ea.start();
        }
    }

    private Bundle eventAdmin() {
        return Arrays.stream(context.getBundles()).filter(b -> "org.apache.felix.eventadmin".equals(b.getSymbolicName()))
                .findFirst().orElseThrow(() -> new AssertionError("no Felix EventAdmin in this framework"));
    }

    /**
     * @return the events of the task with this RunState, in order, up to and including the one
     *     with the topic {@code last} (waits for it)
     */
    private List<Event> eventsOf(RunState rs, String last) throws InterruptedException {
        List<Event> mine = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT);
        for (;;) {
            Event e = received.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (e == null) {
                throw new AssertionError("no " + last + " event of " + rs + " in time; its events so far: " + topics(mine));
            }
            if (Long.valueOf(rs.id()).equals(e.getProperty("task.id"))) {
                mine.add(e);
                if (e.getTopic().equals("cs/resources/task/" + last)) {
                    return mine;
                }
            }
        }
    }

    /** Waits until the runtime's event component is registered again (it binds to the task service then). */
    private void awaitEventSink() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT);
        while (context.getServiceReferences("cs.resources.impl.TaskEvents", null) == null) {
            assertThat(System.nanoTime() - deadline).as("the task events component came back").isNegative();
            Thread.sleep(10);
        }
    }

    /**
     * Waits until the events of a task reach the handler again: the event component is registered
     * before the task service has bound it (SCR binds in its own time; Equinox's run once submitted
     * the next task in between), so probe tasks are submitted until one's COMPLETED arrives. Their
     * events stay in {@link #received}; what the caller checks is by task id.
     */
    private void awaitEventsFlowing() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT);
        while (true) {
            TaskHandle<Integer> probe = tasks.submit("it-probe", () -> 0);
            probe.get(TIMEOUT, TimeUnit.MILLISECONDS);
            Long id = probe.runState().id();
            long until = Math.min(deadline, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200));
            while (System.nanoTime() < until) {
                if (received.stream().anyMatch(e -> id.equals(e.getProperty("task.id")) && e.getTopic().endsWith("COMPLETED"))) {
                    return;
                }
                Thread.sleep(10);
            }
            assertThat(System.nanoTime() - deadline).as("a task's events reach the handler again").isNegative();
        }
    }

    private static List<String> topics(List<Event> events) {
        return events.stream().map(e -> e.getTopic().substring("cs/resources/task/".length())).toList();
    }

    @Test
    void eachChangeOfATasksStateIsPostedInOrderNamingTheTaskAndItsBundle() throws Exception {
        TaskHandle<String> h = tasks.submit("it-evented", () -> "done");
        assertThat(h.get(TIMEOUT, TimeUnit.MILLISECONDS)).isEqualTo("done");
        List<Event> events = eventsOf(h.runState(), "COMPLETED");
        assertThat(topics(events)).containsExactly("SUBMITTED", "STARTED", "COMPLETED");
        for (Event e : events) {
            assertThat(e.getProperty("task.name")).isEqualTo("it-evented");
            assertThat(e.getProperty(EventConstants.BUNDLE_SYMBOLICNAME)).isEqualTo(OWNER);
            assertThat(e.getProperty(EventConstants.BUNDLE_ID)).isInstanceOf(Long.class);
            assertThat(e.getProperty(EventConstants.TIMESTAMP)).isInstanceOf(Long.class);
        }
        assertThat(events.get(2).getProperty("task.state")).isEqualTo("STOPPED");
    }

    @Test
    void aCancelWithAReasonAndAFailureArePostedWithThem() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        TaskHandle<Void> h = tasks.submit("it-cancelled", r -> {
            running.countDown();
            while (!r.isCancelled()) {
                r.sleep(Duration.ofSeconds(30));
            }
        });
        assertThat(running.await(TIMEOUT, TimeUnit.MILLISECONDS)).isTrue();
        h.cancel("the test asked");
        List<Event> events = eventsOf(h.runState(), "CANCELLED");
        assertThat(topics(events)).containsExactly("SUBMITTED", "STARTED", "STOPPING", "CANCELLED");
        assertThat(events.get(2).getProperty("task.reason")).isEqualTo("the test asked");
        assertThat(events.get(3).getProperty("task.reason")).isEqualTo("the test asked");

        TaskHandle<Integer> failing = tasks.submit("it-failing", () -> {
            throw new IllegalStateException("broken on purpose");
        });
        try {
            failing.get(TIMEOUT, TimeUnit.MILLISECONDS);
        } catch (ExecutionException expected) {
            // the event is what this test is about
        }
        List<Event> failed = eventsOf(failing.runState(), "FAILED");
        assertThat(topics(failed)).containsExactly("SUBMITTED", "STARTED", "FAILED");
        assertThat(failed.get(2).getProperty("task.failure")).isEqualTo("java.lang.IllegalStateException: broken on purpose");
        assertThat(failed.get(2).getProperty(EventConstants.EXCEPTION)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aRepeatingTaskPostsEachRunAndItsNextRunThenItsCancel() throws Exception {
        CountDownLatch twice = new CountDownLatch(2);
        TaskHandle<Void> h = tasks.scheduleAtFixedRate("it-repeating", r -> twice.countDown(), Duration.ZERO,
                Duration.ofMillis(20));
        assertThat(twice.await(TIMEOUT, TimeUnit.MILLISECONDS)).isTrue();
        h.cancel("two runs are enough");
        try {
            h.get(TIMEOUT, TimeUnit.MILLISECONDS);
        } catch (CancellationException expected) {
            // it ends only cancelled
        }
        List<Event> events = eventsOf(h.runState(), "CANCELLED");
        List<String> topics = topics(events);
        assertThat(topics.get(0)).isEqualTo("SUBMITTED");
        assertThat(topics).filteredOn("STARTED"::equals).hasSizeGreaterThanOrEqualTo(2);
        assertThat(events).filteredOn(e -> e.getTopic().endsWith("RESCHEDULED"))
                .allSatisfy(e -> assertThat(e.getProperty("task.nextRun")).isInstanceOf(Long.class));
        assertThat(events.get(events.size() - 1).getProperty("task.reason")).isEqualTo("two runs are enough");
    }

    @Test
    void withEventAdminStoppedTasksRunAndNothingIsPostedThenEventsComeBack() throws Exception {
        Bundle ea = eventAdmin();
        ea.stop();
        TaskHandle<Integer> quiet = tasks.submit("it-quiet", () -> 7);
        assertThat(quiet.get(TIMEOUT, TimeUnit.MILLISECONDS)).isEqualTo(7);
        ea.start();
        awaitEventSink();
        awaitEventsFlowing();
        // Events of a task submitted now arrive; none of the quiet one's ever does.
        TaskHandle<Integer> loud = tasks.submit("it-loud", () -> 8);
        loud.get(TIMEOUT, TimeUnit.MILLISECONDS);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT);
        List<Event> seen = new ArrayList<>();
        boolean loudCompleted = false;
        while (!loudCompleted) {
            Event e = received.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            assertThat(e).as("the events of a task submitted after EventAdmin came back").isNotNull();
            seen.add(e);
            loudCompleted = Long.valueOf(loud.runState().id()).equals(e.getProperty("task.id"))
                    && e.getTopic().endsWith("COMPLETED");
        }
        assertThat(seen).noneMatch(e -> Long.valueOf(quiet.runState().id()).equals(e.getProperty("task.id")));
    }
}
