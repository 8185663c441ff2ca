package cs.resources.itest;

import static org.assertj.core.api.Assertions.assertThat;

import cs.resources.RunState;
import cs.resources.runtime.ResourcesRuntime;
import cs.resources.runtime.RunStateInfo;
import cs.resources.runtime.TaskService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.apache.felix.service.command.CommandProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

/**
 * A RunState that has not ended is listed whatever its parent did. The reproduction:
 * {@code resources:run parent { c = $1 child stuck-child ; $c start ; sleep 3600 }}, then
 * {@code resources:cancel parent}: the child, cancelled with its parent and never stopped, stays
 * {@code STOPPING}; once the parent had ended, nothing listed it (it had been listed through its
 * parent) and {@code resources:cancel <its id>} said no live RunState had that id.
 */
class NothingHidesIT {
    static final long TIMEOUT = 30_000;

    @InjectService(timeout = TIMEOUT)
    ResourcesRuntime runtime;

    @InjectService(timeout = TIMEOUT)
    TaskService tasks;

    @InjectService(timeout = TIMEOUT)
    CommandProcessor processor;

    @InjectBundleContext
    BundleContext context;

    final List<RunState> toStop = new ArrayList<>();
    final List<ServiceRegistration<?>> registered = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        toStop.forEach(RunState::stop);
        registered.forEach(ServiceRegistration::unregister);
    }

    @Test
    void aStuckChildOfACancelledTaskIsListedAndCancellableByItsIdUntilItEnds() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        AtomicReference<RunState> child = new AtomicReference<>();
        RunState parent = tasks.submit("it-hides-parent", rs -> {
            RunState c = rs.child("it-stuck-child");
            c.start(); // and never stopped by the task
            child.set(c);
            started.countDown();
            while (rs.sleep(Duration.ofSeconds(60))) {
                // until cancelled
            }
        }).runState();
        assertThat(started.await(TIMEOUT, TimeUnit.MILLISECONDS)).isTrue();
        RunState stuck = child.get();
        toStop.add(stuck);

        try (Gogo gogo = new Gogo(processor)) {
            // (The states printed are as read after the cancel: the parent may have ended already
            // and been read before its child's cancel, which follows its own.)
            assertThat(gogo.run("resources:cancel it-hides-parent")).contains("cancelled " + parent.id() + " it-hides-parent",
                    "cancelled " + stuck.id() + " it-stuck-child (").contains("), child of " + parent.id());
            await("the parent ended", () -> !parent.isRunning());
            await("the child stopping", () -> stuck.state() == RunState.State.STOPPING);

            await("the stuck child listed on its own", () -> runtime.runStates().stream()
                    .anyMatch(i -> i.id() == stuck.id() && i.state() == RunState.State.STOPPING));
            RunStateInfo listed = runtime.runStates().stream().filter(i -> i.id() == stuck.id()).findFirst().orElseThrow();
            assertThat(listed.name()).isEqualTo("it-stuck-child");
            assertThat(listed.bundle()).as("listed as its parent was").isEqualTo(info(parent).bundle());
            assertThat(listed.parentId()).isEqualTo(parent.id());
            assertThat(gogo.run("resources:runstates -p")).contains(stuck.id() + "\tit-stuck-child\tSTOPPING\t");
            assertThat(gogo.run("resources:runstates")).containsPattern("\\b" + stuck.id() + "\\s+it-stuck-child\\s+STOPPING");

            // Cancellable by its id, at the shell and by id only (the page's and JMX's way).
            assertThat(gogo.run("resources:cancel " + stuck.id()))
                    .contains("cancelled " + stuck.id() + " it-stuck-child (STOPPING)");
            assertThat(runtime.cancelByIds(List.of(stuck.id())).get(0).state()).isEqualTo(RunState.State.STOPPING);

            // Listed until it ends, then in the history with the ended ones.
            stuck.stop();
            await("the child no longer live", () -> runtime.runStates().stream().noneMatch(i -> i.id() == stuck.id()));
            assertThat(runtime.runStates(true)).anyMatch(i -> i.id() == stuck.id() && i.state() == RunState.State.CANCELLED);
        }
    }

    /** The same for a whiteboard RunState service that goes away with a child still running. */
    @Test
    void aRunningChildOfAnUnregisteredRunStateServiceStaysListed() throws Exception {
        RunState service = new RunState("it-hides-service");
        service.start();
        RunState grandparent = service.child("it-hides-middle");
        grandparent.start();
        RunState leaf = grandparent.child("it-hides-leaf");
        leaf.start();
        toStop.addAll(List.of(leaf, grandparent, service));
        ServiceRegistration<RunState> reg = context.registerService(RunState.class, service, null);
        await("the leaf listed through its ancestors", () -> live(leaf.id()));

        reg.unregister();

        assertThat(live(grandparent.id())).as("the child of the service, still running").isTrue();
        assertThat(live(leaf.id())).as("the grandchild, through it").isTrue();
        assertThat(live(service.id())).as("the service itself, gone").isFalse();
        grandparent.stop();
        await("the grandchild listed on its own once its parent ended", () -> live(leaf.id()));
        leaf.stop();
        await("all ended", () -> !live(leaf.id()) && !live(grandparent.id()));
    }

    private boolean live(long id) {
        return runtime.runStates().stream().anyMatch(i -> i.id() == id);
    }

    private RunStateInfo info(RunState rs) {
        return runtime.runStates(true).stream().filter(i -> i.id() == rs.id()).findFirst().orElseThrow();
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(20); // polling a state, with a deadline
        }
    }
}
