package cs.resources.itest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cs.resources.RunState;
import cs.resources.runtime.ResourcesRuntime;
import cs.resources.runtime.RunStateInfo;
import cs.resources.runtime.TaskHandle;
import cs.resources.runtime.TaskService;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

/**
 * Tasks belong to the bundle that submitted them: each bundle gets a TaskService of its own
 * (bundle scope); the runtime lists its tasks with it; when it stops, its tasks end (those waiting
 * at once, the running ones cancelled, then interrupted after the grace period), with one warning
 * naming it, and the tasks of other bundles go on.
 *
 * <p>The consumer is a real bundle made here (a manifest, no classes), installed and started; the
 * tests act as that bundle through its own BundleContext, so that the framework hands it its own
 * TaskService and releases it when the bundle stops.
 */
class TaskOwnershipIT {
    static final long TIMEOUT = 10_000;
    static final String CONSUMER = "cs.resources.itest.taskowner";
    static final AtomicInteger INSTALLS = new AtomicInteger();

    @InjectBundleContext
    BundleContext context;

    @InjectService(timeout = TIMEOUT)
    ResourcesRuntime runtime;

    @InjectService(timeout = TIMEOUT)
    TaskService ours;

    final List<String> warnings = new CopyOnWriteArrayList<>();
    final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            if (r.getLevel() == Level.WARNING) {
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
    final Logger logger = Logger.getLogger("cs.resources.impl.TaskServiceComponent");
    Bundle consumer;

    @BeforeEach
    void installConsumer() throws Exception {
        logger.addHandler(capture);
        consumer = context.installBundle("cs.resources.itest:taskowner:" + INSTALLS.incrementAndGet(),
                new ByteArrayInputStream(manifestOnlyBundle(CONSUMER)));
        consumer.start();
    }

    @AfterEach
    void uninstallConsumer() throws Exception {
        logger.removeHandler(capture);
        if (consumer.getState() != Bundle.UNINSTALLED) {
            consumer.uninstall();
        }
    }

    /** @return a bundle with a manifest and nothing else */
    static byte[] manifestOnlyBundle(String symbolicName) throws IOException {
        Manifest m = new Manifest();
        Attributes a = m.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", symbolicName);
        a.putValue("Bundle-Version", "1.0.0");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(bytes, m)) {
            jar.flush();
        }
        return bytes.toByteArray();
    }

    /** @return the consumer bundle's own TaskService, got through its BundleContext */
    private TaskService consumersTaskService() {
        BundleContext theirs = consumer.getBundleContext();
        ServiceReference<TaskService> ref = theirs.getServiceReference(TaskService.class);
        assertThat(ref).as("a TaskService for the consumer").isNotNull();
        TaskService service = theirs.getService(ref);
        assertThat(service).isNotNull().isNotSameAs(ours);
        return service;
    }

    private RunStateInfo listed(RunState rs) {
        return runtime.runStates().stream().filter(i -> i.id() == rs.id()).findFirst()
                .orElseThrow(() -> new AssertionError(rs + " is not listed"));
    }

    private static String reasonOf(TaskHandle<?> h) {
        try {
            h.get(TIMEOUT, TimeUnit.MILLISECONDS);
        } catch (CancellationException e) {
            return e.getMessage();
        } catch (Exception e) {
            throw new AssertionError(h + " ended otherwise than cancelled", e);
        }
        throw new AssertionError(h + " completed normally");
    }

    @Test
    void aBundlesTasksAreListedWithItAndEndWhenItStopsWithOneWarningNamingIt() throws Exception {
        TaskService theirs = consumersTaskService();
        CountDownLatch running = new CountDownLatch(2);
        CountDownLatch interrupted = new CountDownLatch(1);
        TaskHandle<Void> polite = theirs.submit("owned-polite", r -> {
            running.countDown();
            while (!r.isCancelled()) {
                r.sleep(Duration.ofSeconds(30));
            }
        });
        TaskHandle<Void> stubborn = theirs.submit("owned-stubborn", r -> {
            running.countDown();
            try {
                Thread.sleep(60_000); // ignores the cancel: the interrupt after the grace period ends it
            } catch (InterruptedException e) {
                interrupted.countDown();
            }
        });
        TaskHandle<Integer> later = theirs.schedule("owned-later", () -> 1, Duration.ofHours(1));
        TaskHandle<Void> repeating = theirs.scheduleAtFixedRate("owned-repeating", r -> { }, Duration.ofHours(1),
                Duration.ofHours(1));
        CountDownLatch oursRunning = new CountDownLatch(1);
        TaskHandle<Void> mine = ours.submit("not-owned", r -> {
            oursRunning.countDown();
            while (!r.isCancelled()) {
                r.sleep(Duration.ofSeconds(30));
            }
        });
        assertThat(running.await(TIMEOUT, TimeUnit.MILLISECONDS)).isTrue();
        assertThat(oursRunning.await(TIMEOUT, TimeUnit.MILLISECONDS)).isTrue();

        for (TaskHandle<?> h : List.of(polite, stubborn, later, repeating)) {
            RunStateInfo i = listed(h.runState());
            assertThat(i.bundle()).as(i.name()).isEqualTo(CONSUMER);
            assertThat(i.bundleId()).as(i.name()).isEqualTo(consumer.getBundleId());
            assertThat(i.source()).isEqualTo(RunStateInfo.Source.TASK);
        }
        assertThat(listed(later.runState()).nextRun()).isEqualTo(later.nextRun().orElseThrow());
        assertThat(listed(mine.runState()).bundle()).isEqualTo(context.getBundle().getSymbolicName());

        consumer.stop();

        String reason = "bundle " + CONSUMER + " (" + consumer.getBundleId() + ") stopped";
        assertThat(reasonOf(later)).endsWith(": " + reason);
        assertThat(reasonOf(repeating)).endsWith(": " + reason);
        assertThat(reasonOf(polite)).endsWith(": " + reason);
        assertThat(interrupted.await(TIMEOUT, TimeUnit.MILLISECONDS)).as("interrupted after the grace period").isTrue();
        assertThat(reasonOf(stubborn)).endsWith(": " + reason);
        assertThat(later.runState().state()).isEqualTo(RunState.State.CANCELLED);
        assertThat(runtime.runStates()).noneMatch(i -> i.bundle().equals(CONSUMER));
        assertThat(runtime.runStates(true)).filteredOn(i -> i.id() == polite.runState().id()).singleElement()
                .satisfies(i -> assertThat(i.cancelReason()).isEqualTo(reason));

        assertThat(warnings).filteredOn(w -> w.contains(CONSUMER)).singleElement().asString()
                .startsWith(reason + ": its 4 tasks are cancelled")
                .contains("\"owned-polite\"", "\"owned-stubborn\"", "\"owned-later\"", "\"owned-repeating\"");
        assertThat(mine.isDone()).as("another bundle's task goes on").isFalse();
        assertThat(listed(mine.runState()).state()).isEqualTo(RunState.State.RUNNING);
        mine.cancel("done with it");
        assertThat(reasonOf(mine)).endsWith(": done with it");
    }

    @Test
    void aBundleWithoutTasksStopsWithoutAWarning() throws Exception {
        TaskService theirs = consumersTaskService();
        assertThat(theirs.submit("owned-quick", () -> 1).get(TIMEOUT, TimeUnit.MILLISECONDS)).isEqualTo(1);
        consumer.stop();
        assertThat(warnings).noneMatch(w -> w.contains(CONSUMER));
    }

    @Test
    void aRestartedBundleGetsANewTaskServiceAndItsNewTasksEndWithItAgain() throws Exception {
        // The framework releases a stopping bundle's services: the next start gets a new instance,
        // and tasks submitted after the restart belong to the bundle again (and end with its next stop).
        TaskService theirs = consumersTaskService();
        consumer.stop();
        consumer.start();
        TaskService again = consumersTaskService();
        assertThat(again).isNotSameAs(theirs);
        CountDownLatch running = new CountDownLatch(1);
        TaskHandle<Void> h = again.submit("owned-again", r -> {
            running.countDown();
            while (!r.isCancelled()) {
                r.sleep(Duration.ofSeconds(30));
            }
        });
        assertThat(running.await(TIMEOUT, TimeUnit.MILLISECONDS)).isTrue();
        consumer.uninstall();
        assertThat(reasonOf(h)).contains("bundle " + CONSUMER);
        assertThatThrownBy(() -> h.get(1, TimeUnit.MILLISECONDS)).isInstanceOf(CancellationException.class);
    }
}
