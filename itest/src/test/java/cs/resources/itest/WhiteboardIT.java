package cs.resources.itest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cs.resources.MultiOpen;
import cs.resources.Pool;
import cs.resources.Registration;
import cs.resources.RunState;
import cs.resources.runtime.MultiOpenInfo;
import cs.resources.runtime.PoolInfo;
import cs.resources.runtime.ResourcesRuntime;
import cs.resources.runtime.RunStateInfo;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectBundleInstaller;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.common.install.BundleInstaller;
import org.osgi.test.common.service.ServiceAware;

/** The runtime's whiteboard: RunStates, MultiOpens and Pools registered as services by any bundle. */
class WhiteboardIT {
    static final long TIMEOUT = 10_000;
    static final String SELF = "cs.resources.itest.tests";

    @InjectService(timeout = TIMEOUT)
    ResourcesRuntime runtime;

    @InjectBundleContext
    BundleContext context;

    @InjectBundleInstaller
    BundleInstaller installer;

    @InjectService(cardinality = 0, filter = "(cs.resources.itest=consumer)")
    @SuppressWarnings("rawtypes")
    ServiceAware<Function> consumer;

    private List<RunStateInfo> named(List<RunStateInfo> infos, String prefix) {
        return infos.stream().filter(i -> i.name().startsWith(prefix)).toList();
    }

    @Test
    void runStatesOfAnotherBundleAppearAndDisappearWithIt() throws Exception {
        assertThat(named(runtime.runStates(), "consumer-worker-")).isEmpty();
        Bundle tb = installer.installBundle("tb/consumer.jar");
        assertThat(consumer.waitForService(TIMEOUT)).isNotNull();

        List<RunStateInfo> workers = named(runtime.runStates(), "consumer-worker-");
        assertThat(workers).extracting(RunStateInfo::name).containsExactly("consumer-worker-1", "consumer-worker-2");
        assertThat(workers).allSatisfy(w -> {
            assertThat(w.state()).isEqualTo(RunState.State.RUNNING);
            assertThat(w.bundle()).isEqualTo("cs.resources.itest.consumer");
            assertThat(w.bundleId()).isEqualTo(tb.getBundleId());
            assertThat(w.source()).isEqualTo(RunStateInfo.Source.SERVICE);
            assertThat(w.startTime()).isNotNull();
        });

        tb.stop();
        assertThat(named(runtime.runStates(), "consumer-worker-")).isEmpty();
        // Still in the short history, with their last state.
        assertThat(named(runtime.runStates(true), "consumer-worker-"))
                .filteredOn(i -> i.bundleId() == tb.getBundleId())
                .extracting(RunStateInfo::name, RunStateInfo::state)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("consumer-worker-1", RunState.State.STOPPED),
                        org.assertj.core.groups.Tuple.tuple("consumer-worker-2", RunState.State.STOPPED));
    }

    @Test
    void aRunStateServiceThatEndsLeavesTheDefaultListing() {
        RunState rs = new RunState("wb-ending").start();
        ServiceRegistration<RunState> reg = context.registerService(RunState.class, rs, null);
        assertThat(named(runtime.runStates(), "wb-ending")).hasSize(1);
        rs.stop();
        assertThat(named(runtime.runStates(), "wb-ending")).isEmpty();
        assertThat(named(runtime.runStates(true), "wb-ending")).singleElement()
                .extracting(RunStateInfo::state).isEqualTo(RunState.State.STOPPED);
        reg.unregister();
        assertThat(named(runtime.runStates(true), "wb-ending")).hasSize(1);
    }

    @Test
    void poolServicesAreListedWithTheirCounts() {
        Pool<StringBuilder> pool = Pool.builder(StringBuilder::new).name("wb-buffers").maxSize(1).build();
        context.registerService(Pool.class, pool, null);
        Pool.Lease<StringBuilder> a = pool.instance();
        Pool.Lease<StringBuilder> b = pool.instance();
        a.close();
        b.close(); // over the idle bound of 1: dropped
        pool.instance().close(); // reuses

        assertThat(runtime.pools()).filteredOn(p -> p.name().equals("wb-buffers")).singleElement()
                .satisfies(p -> {
                    assertThat(p.bundle()).isEqualTo(SELF);
                    assertThat(p.maxSize()).isEqualTo(1);
                    assertThat(p.closed()).isFalse();
                    assertThat(p.stats()).isEqualTo(new Pool.Stats(2, 1, 1, 1, 0));
                });
        pool.close();
        assertThat(runtime.pools()).filteredOn(p -> p.name().equals("wb-buffers")).singleElement()
                .extracting(PoolInfo::closed).isEqualTo(true);
    }

    @Test
    void multiOpenServicesAreListedWithTheirCountsAndPhase() {
        MultiOpen mo = MultiOpen.of(new cs.resources.Openable() {
            @Override
            public void open() {
            }

            @Override
            public void close() {
            }
        });
        ServiceRegistration<MultiOpen> reg = context.registerService(MultiOpen.class, mo, null);
        long serviceId = (Long) reg.getReference().getProperty("service.id");
        assertThat(info(serviceId).phase()).isEqualTo(MultiOpenInfo.Phase.NEW);
        mo.open();
        mo.open();
        assertThat(info(serviceId)).satisfies(i -> {
            assertThat(i.openCount()).isEqualTo(2);
            assertThat(i.phase()).isEqualTo(MultiOpenInfo.Phase.OPEN);
            assertThat(i.bundle()).isEqualTo(SELF);
        });
        mo.close();
        mo.close();
        assertThat(info(serviceId).phase()).isEqualTo(MultiOpenInfo.Phase.CLOSED);
        reg.unregister();
        assertThat(runtime.multiOpens()).noneMatch(i -> i.serviceId() == serviceId);
    }

    /** A MultiOpen whose startup throws while {@link #refuse} is set. */
    static final class Refusing extends cs.resources.AbstractMultiOpen {
        volatile boolean refuse = true;

        @Override
        protected void startup() {
            if (refuse) {
                throw new IllegalStateException("not yet");
            }
        }
    }

    @Test
    void aMultiOpenIsListedWithItsStartupsStartupFailuresAndShutdowns() {
        Refusing mo = new Refusing();
        ServiceRegistration<MultiOpen> reg = context.registerService(MultiOpen.class, mo, null);
        try {
            long serviceId = (Long) reg.getReference().getProperty("service.id");
            assertThat(info(serviceId)).extracting(MultiOpenInfo::startups, MultiOpenInfo::startupFailures,
                    MultiOpenInfo::shutdowns).containsExactly(0L, 0L, 0L);
            assertThatThrownBy(mo::open).isInstanceOf(IllegalStateException.class).hasMessage("not yet");
            assertThatThrownBy(mo::open).isInstanceOf(IllegalStateException.class).hasMessage("not yet");
            mo.refuse = false;
            mo.open();
            assertThat(info(serviceId)).extracting(MultiOpenInfo::startups, MultiOpenInfo::startupFailures,
                    MultiOpenInfo::shutdowns).containsExactly(1L, 2L, 0L);
            mo.close();
            mo.open();
            mo.close();
            assertThat(info(serviceId)).extracting(MultiOpenInfo::startups, MultiOpenInfo::startupFailures,
                    MultiOpenInfo::shutdowns, MultiOpenInfo::phase).containsExactly(2L, 2L, 2L, MultiOpenInfo.Phase.CLOSED);
        } finally {
            reg.unregister();
        }
    }

    private MultiOpenInfo info(long serviceId) {
        return runtime.multiOpens().stream().filter(i -> i.serviceId() == serviceId).findFirst().orElseThrow();
    }

    @Test
    void transientRunStatesRegisteredThroughTheRuntime() {
        RunState rs = new RunState("wb-transient");
        Registration r = runtime.register(rs);
        assertThat(named(runtime.runStates(), "wb-transient")).singleElement().satisfies(i -> {
            assertThat(i.state()).isEqualTo(RunState.State.PENDING);
            assertThat(i.source()).isEqualTo(RunStateInfo.Source.REGISTERED);
            assertThat(i.bundle()).isEqualTo(SELF);
            assertThat(i.startTime()).isNull();
        });
        rs.start();
        assertThat(named(runtime.runStates(), "wb-transient")).singleElement()
                .extracting(RunStateInfo::state).isEqualTo(RunState.State.RUNNING);
        rs.stop(); // ended: dropped from tracking, kept in history
        assertThat(named(runtime.runStates(true), "wb-transient")).singleElement()
                .extracting(RunStateInfo::state).isEqualTo(RunState.State.STOPPED);
        rs.start(); // no longer tracked: a restart does not bring it back
        assertThat(named(runtime.runStates(), "wb-transient")).isEmpty();
        r.close();
        r.close();

        RunState other = new RunState("wb-closed");
        Registration r2 = runtime.register(other.start());
        r2.close();
        assertThat(named(runtime.runStates(), "wb-closed")).isEmpty();
        assertThatThrownBy(() -> runtime.register(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("runState");
    }

    @Test
    void tenThousandRunStatesAreListedQuickly() {
        List<Registration> regs = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 10_000; i++) {
                regs.add(runtime.register(new RunState("wb-many-" + i).start()));
            }
            List<RunStateInfo> all = runtime.runStates();
            assertThat(named(all, "wb-many-")).hasSize(10_000);
            // Ordered by id.
            assertThat(all).extracting(RunStateInfo::id).isSorted();
        } finally {
            regs.forEach(Registration::close);
        }
        assertThat(named(runtime.runStates(), "wb-many-")).isEmpty();
    }
}
