package cs.resources.itest;

import static org.assertj.core.api.Assertions.assertThat;

import cs.resources.MultiOpen;
import cs.resources.RunState;
import cs.resources.runtime.ResourcesRuntime;
import cs.resources.runtime.TaskService;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.felix.service.command.CommandProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectBundleInstaller;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.common.install.BundleInstaller;
import org.osgi.test.common.service.ServiceAware;

/** Bundles stopped, updated and restarted under load: nothing is lost, nothing of ours survives. */
class OsgiFaultsIT {
    static final long TIMEOUT = 10_000;

    @InjectBundleContext
    BundleContext context;

    @InjectBundleInstaller
    BundleInstaller installer;

    @InjectService(cardinality = 0, filter = "(cs.resources.itest.role=provider)")
    ServiceAware<MultiOpen> provider;

    @InjectService(cardinality = 0, filter = "(cs.resources.itest=consumer)")
    @SuppressWarnings("rawtypes")
    ServiceAware<Function> consumer;

    @InjectService(cardinality = 0)
    ServiceAware<TaskService> tasks;

    @InjectService(cardinality = 0)
    ServiceAware<ResourcesRuntime> runtime;

    @InjectService(timeout = TIMEOUT)
    CommandProcessor processor;

    private static CountDownLatch endOf(RunState rs) {
        CountDownLatch ended = new CountDownLatch(1);
        rs.onEnd(r -> ended.countDown());
        if (!rs.isRunning() && rs.startTime().isPresent()) {
            ended.countDown();
        }
        return ended;
    }

    private Bundle bundle(String bsn) {
        return Arrays.stream(context.getBundles()).filter(b -> bsn.equals(b.getSymbolicName())).findFirst()
                .orElseThrow(() -> new AssertionError("no bundle " + bsn));
    }

    @AfterEach
    void restartOurBundles() throws Exception {
        for (String bsn : List.of("cs.resources.impl", "cs.resources.shell")) {
            Bundle b = bundle(bsn);
            if (b.getState() != Bundle.ACTIVE) {
                b.start();
            }
        }
        assertThat(tasks.waitForService(TIMEOUT)).isNotNull();
    }

    @SuppressWarnings("unchecked")
    private Function<String, String> control() throws InterruptedException {
        Function<String, String> f = consumer.waitForService(TIMEOUT);
        assertThat(f).as("the consumer bundle's control service").isNotNull();
        return f;
    }

    @Test
    void providerBundleStoppedUpdatedAndRestartedWhileConsumersHoldOpens() throws Exception {
        Bundle providerBundle = installer.installBundle("tb/provider.jar");
        MultiOpen first = provider.waitForService(TIMEOUT);
        assertThat(first).hasToString("SharedResource[startups=1, shutdowns=0]");
        installer.installBundle("tb/consumer.jar");
        Function<String, String> control = control();
        assertThat(control.apply("hold 3")).isEqualTo("held 3");
        assertThat(first.openCount()).isEqualTo(4);

        providerBundle.stop();
        assertThat(provider.isEmpty()).isTrue();
        assertThat(first.isOpen()).isTrue();
        assertThat(first.openCount()).isEqualTo(3);
        assertThat(first).hasToString("SharedResource[startups=1, shutdowns=0]");

        try (InputStream in = FrameworkUtil.getBundle(getClass()).getEntry("tb/provider.jar").openStream()) {
            providerBundle.update(in);
        }
        providerBundle.start();
        MultiOpen second = provider.waitForService(TIMEOUT);
        assertThat(second).isNotSameAs(first).hasToString("SharedResource[startups=1, shutdowns=0]");
        // The views are of one generated class; the objects they share are of each revision's own.
        assertThat(cs.resources.osgi.MultiOpenServices.published()).map(p -> p.shared().map(Object::getClass).orElse(null))
                .filteredOn(c -> c != null && c.getName().equals("cs.resources.itest.provider.SharedResource"))
                .hasSize(2).doesNotHaveDuplicates();
        assertThat(control.apply("open")).isEqualTo("opened"); // the consumer rebound to the new one

        // The old instance lives on with its holders, and shuts down with the last of them.
        assertThat(control.apply("release")).isEqualTo("released");
        assertThat(control.apply("release")).isEqualTo("released");
        assertThat(first).hasToString("SharedResource[startups=1, shutdowns=0]");
        assertThat(control.apply("release")).isEqualTo("released");
        assertThat(first).hasToString("SharedResource[startups=1, shutdowns=1]");
        assertThat(first.isClosed()).isTrue();
        assertThat(second.isOpen()).isTrue();
        assertThat(second.openCount()).isEqualTo(1);
    }

    @Test
    void implBundleStoppedWithTasksRunningEndsEveryRunStateAndEveryThreadOfOurs() throws Exception {
        TaskService service = tasks.waitForService(TIMEOUT);
        CountDownLatch running = new CountDownLatch(4);
        CountDownLatch interrupted = new CountDownLatch(1);
        List<RunState> all = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            all.add(service.submit("fault-polite-" + i, r -> {
                running.countDown();
                while (!r.isCancelled()) {
                    r.sleep(Duration.ofSeconds(30));
                }
            }).runState());
        }
        all.add(service.submit("fault-blocking", r -> {
            running.countDown();
            try {
                new CountDownLatch(1).await();
            } catch (InterruptedException e) {
                interrupted.countDown();
            }
        }, true).runState());
        assertThat(running.await(TIMEOUT, TimeUnit.MILLISECONDS)).isTrue();
        List<CountDownLatch> ends = all.stream().map(OsgiFaultsIT::endOf).toList();

        bundle("cs.resources.impl").stop(); // returns without waiting for the tasks to wind down

        assertThat(interrupted.await(TIMEOUT, TimeUnit.MILLISECONDS)).as("the blocking task was interrupted by its cancel").isTrue();
        for (CountDownLatch end : ends) {
            assertThat(end.await(TIMEOUT, TimeUnit.MILLISECONDS)).isTrue();
        }
        for (RunState rs : all) {
            assertThat(rs.state()).as(rs.name()).isEqualTo(RunState.State.CANCELLED);
        }
        for (Thread t : TaskThreads.alive()) {
            t.join(TIMEOUT);
        }
        assertThat(TaskThreads.alive()).as("threads of the task service still alive").isEmpty();
        assertThat(tasks.isEmpty()).isTrue();
        assertThat(runtime.isEmpty()).isTrue();
        // The shell needs the runtime: it is gone too, and comes back with it.
        try (Gogo gogo = new Gogo(processor)) {
            assertThat(gogo.fail("resources:runstates")).hasMessageContaining("Command not found: resources:runstates");
        }
    }

    @Test
    void withoutTheShellBundleTheRestKeepsWorking() throws Exception {
        bundle("cs.resources.shell").stop();
        try (Gogo gogo = new Gogo(processor)) {
            assertThat(gogo.fail("resources:runstates")).hasMessageContaining("Command not found: resources:runstates");
        }
        TaskService service = tasks.waitForService(TIMEOUT);
        CountDownLatch ran = new CountDownLatch(1);
        RunState rs = service.submit("no-shell", r -> ran.countDown()).runState();
        assertThat(ran.await(TIMEOUT, TimeUnit.MILLISECONDS)).isTrue();
        RunState listed = new RunState("no-shell-listed").start();
        runtime.waitForService(TIMEOUT).register(listed);
        assertThat(runtime.getService().runStates()).anyMatch(i -> i.id() == listed.id());
        listed.stop();
        assertThat(rs.name()).isEqualTo("no-shell");
    }
}
