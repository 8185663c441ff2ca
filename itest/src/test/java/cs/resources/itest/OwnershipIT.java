package cs.resources.itest;

import static org.assertj.core.api.Assertions.assertThat;

import cs.resources.LeakDetection;
import cs.resources.MultiOpen;
import cs.resources.Pool;
import cs.resources.RunState;
import cs.resources.osgi.MultiOpenServices;
import cs.resources.runtime.MultiOpenInfo;
import cs.resources.runtime.ResourcesRuntime;
import cs.resources.runtime.RunStateInfo;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.apache.felix.service.command.CommandProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectBundleInstaller;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.common.install.BundleInstaller;
import org.osgi.test.common.service.ServiceAware;

/**
 * Opens belong to the bundles that make them (issue 9): each consumer bundle gets a view of its
 * own of a MultiOpen service; what a bundle leaves open when it goes away is closed for it; a
 * bundle's extra close touches nobody else's opens; the runtime lists what is open per consumer
 * without activating or holding anything.
 */
class OwnershipIT {
    static final long TIMEOUT = 10_000;
    static final String SELF = "cs.resources.itest.tests";

    @InjectService(timeout = TIMEOUT)
    ServiceComponentRuntime scr;

    @InjectService(timeout = TIMEOUT)
    ResourcesRuntime runtime;

    @InjectService(timeout = TIMEOUT)
    CommandProcessor processor;

    @InjectService(cardinality = 0, filter = "(cs.resources.itest.role=provider)")
    ServiceAware<MultiOpen> provider;

    @InjectService(cardinality = 0, filter = "(cs.resources.itest=consumer)")
    @SuppressWarnings("rawtypes")
    ServiceAware<Function> consumer;

    @InjectBundleInstaller
    BundleInstaller installer;

    @InjectBundleContext
    BundleContext context;

    final List<String> warnings = new CopyOnWriteArrayList<>();
    final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
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
    final List<Logger> loggers = List.of(Logger.getLogger(MultiOpenServices.class.getName()),
            Logger.getLogger(MultiOpen.class.getName()));

    @BeforeEach
    void captureWarnings() {
        loggers.forEach(l -> l.addHandler(capture));
    }

    @AfterEach
    void cleanUp() throws Exception {
        loggers.forEach(l -> l.removeHandler(capture));
        for (Class<?> c : List.of(LazyProvider.class, DelayedProvider.class, DatabaseComponent.class)) {
            scr.disableComponent(description(c)).getValue();
        }
    }

    private ComponentDescriptionDTO description(Class<?> component) {
        return scr.getComponentDescriptionDTO(FrameworkUtil.getBundle(OwnershipIT.class), component.getName());
    }

    private void enable(Class<?> component) throws Exception {
        scr.enableComponent(description(component)).getValue();
    }

    private int state(Class<?> component) {
        return scr.getComponentConfigurationDTOs(description(component)).stream().mapToInt(c -> c.state).findFirst().orElse(-1);
    }

    @SuppressWarnings("unchecked")
    private Function<String, String> control() throws InterruptedException {
        Function<String, String> f = consumer.waitForService(TIMEOUT);
        assertThat(f).as("the consumer bundle's control service").isNotNull();
        return f;
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT * 1_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(5);
        }
    }

    private MultiOpenInfo listed(String className) {
        return runtime.multiOpens().stream().filter(m -> m.className().equals(className)).findFirst().orElse(null);
    }

    @Test
    void aConsumerBundleStoppedWhileHoldingThreeOpensFromTwoThreadsHasThemClosedForIt() throws Exception {
        enable(LazyProvider.class);
        MultiOpen mine = provider.waitForService(TIMEOUT);
        int shutdowns = LazyProvider.SHUTDOWNS.get();
        mine.open(); // this bundle's own open: it outlives the consumer

        Bundle tb = installer.installBundle("tb/consumer.jar");
        Function<String, String> control = control();
        assertThat(control.apply("hold 1 2")).isEqualTo("held 1");
        assertThat(control.apply("hold 1")).isEqualTo("held 1");
        assertThat(mine.openCount()).isEqualTo(4);
        assertThat(listed(LazyProvider.class.getName()).consumers()).extracting(MultiOpenInfo.ConsumerOpens::bundle,
                MultiOpenInfo.ConsumerOpens::opens).containsExactly(
                        org.assertj.core.groups.Tuple.tuple(SELF, 1),
                        org.assertj.core.groups.Tuple.tuple("cs.resources.itest.consumer", 3));

        assertThat(control.apply("keep")).isEqualTo("keeping"); // it will not close them itself
        tb.stop();
        await(() -> mine.openCount() == 1, "the consumer's three opens were closed for it");
        assertThat(warnings).filteredOn(w -> w.contains("cs.resources.itest.consumer"))
                .singleElement().asString()
                .contains("released the service while holding 3 opens of");
        assertThat(LazyProvider.SHUTDOWNS.get()).isEqualTo(shutdowns);
        assertThat(listed(LazyProvider.class.getName()).consumers()).extracting(MultiOpenInfo.ConsumerOpens::bundle)
                .containsExactly(SELF);

        mine.close(); // the last other holder: shutdown now, in this thread
        assertThat(LazyProvider.SHUTDOWNS.get()).isEqualTo(shutdowns + 1);
        assertThat(LazyProvider.EVENTS.get(LazyProvider.EVENTS.size() - 1)).isEqualTo("shutdown in " + Thread.currentThread().getName());
    }

    @Test
    void aConsumerClosingTwiceLosesNoOtherBundlesOpen() throws Exception {
        enable(LazyProvider.class);
        MultiOpen mine = provider.waitForService(TIMEOUT);
        mine.open();
        installer.installBundle("tb/consumer.jar");
        assertThat(control().apply("closeTwice")).isEqualTo("closed twice");
        assertThat(mine.openCount()).isEqualTo(1);
        assertThat(mine.isOpen()).isTrue();
        assertThat(warnings).filteredOn(w -> w.startsWith("extra close of")).singleElement().asString()
                .contains("by bundle cs.resources.itest.consumer").contains("other bundles' opens are untouched");
        mine.close();
        assertThat(mine.isClosed()).isTrue();
    }

    @Test
    void startupRunsInTheFirstConsumersThreadAndARetiredObjectStaysListedUntilItsLastClose() throws Exception {
        LazyProvider.EVENTS.clear();
        enable(LazyProvider.class);
        assertThat(provider.waitForService(TIMEOUT)).isNotNull();
        assertThat(LazyProvider.EVENTS).as("activation runs no startup").isEmpty();
        installer.installBundle("tb/consumer.jar");
        Function<String, String> control = control();
        assertThat(control.apply("hold 2")).isEqualTo("held 2");
        assertThat(LazyProvider.EVENTS).singleElement().asString().startsWith("startup in consumer-holder-");

        scr.disableComponent(description(LazyProvider.class)).getValue();
        assertThat(provider.isEmpty()).isTrue();
        MultiOpenInfo retired = listed(LazyProvider.class.getName());
        assertThat(retired).as("still held, so still listed").isNotNull();
        assertThat(retired.registered()).isFalse();
        assertThat(retired.retired()).isTrue();
        assertThat(retired.phase()).isEqualTo(MultiOpenInfo.Phase.OPEN);
        assertThat(retired.openCount()).isEqualTo(2);
        assertThat(retired.consumers()).singleElement().extracting(MultiOpenInfo.ConsumerOpens::opens).isEqualTo(2);
        try (Gogo gogo = new Gogo(processor)) {
            assertThat(gogo.run("resources:opens").lines().filter(l -> l.contains("LazyProvider")))
                    .singleElement().asString().contains("OPEN retired unregistered", "cs.resources.itest.consumer");
        }
        assertThat(LazyProvider.EVENTS).as("deactivation runs no shutdown while opens are held")
                .noneMatch(e -> e.startsWith("shutdown"));

        assertThat(control.apply("release")).isEqualTo("released");
        assertThat(control.apply("release")).isEqualTo("released");
        assertThat(LazyProvider.EVENTS.get(LazyProvider.EVENTS.size() - 1)).startsWith("shutdown in consumer-holder-");
        await(() -> listed(LazyProvider.class.getName()) == null, "no longer listed");
        assertThat(control.apply("open")).startsWith("ClosedException: ")
                .contains("by bundle cs.resources.itest.consumer", "its provider cs.resources.itest.tests", "unregistered the service");
        assertThat(LazyProvider.EVENTS.get(LazyProvider.EVENTS.size() - 1)).as("no startup for a refused open")
                .startsWith("shutdown in consumer-holder-");
    }

    @Test
    void aDelayedComponentNobodyUsesIsListedUnusedAndStaysUnactivated() throws Exception {
        int activations = DelayedProvider.ACTIVATIONS.get();
        enable(DelayedProvider.class);
        await(() -> state(DelayedProvider.class) == ComponentConfigurationDTO.SATISFIED, "satisfied");
        try (Gogo gogo = new Gogo(processor)) {
            String row = gogo.run("resources:opens").lines().filter(l -> l.contains("DelayedProvider")).findFirst().orElseThrow();
            assertThat(row).contains("UNUSED");
        }
        assertThat(runtime.multiOpens()).filteredOn(m -> m.className().equals(DelayedProvider.class.getName()))
                .singleElement().extracting(MultiOpenInfo::phase).isEqualTo(MultiOpenInfo.Phase.UNUSED);
        assertThat(state(DelayedProvider.class)).as("listing activated nothing").isEqualTo(ComponentConfigurationDTO.SATISFIED);
        assertThat(DelayedProvider.ACTIVATIONS.get()).isEqualTo(activations);

        // Its first consumer activates it; listing then reads the object the views share.
        ServiceReference<MultiOpen> ref = context.getServiceReferences(MultiOpen.class, "(cs.resources.itest.role=delayed)")
                .iterator().next();
        MultiOpen view = context.getService(ref);
        assertThat(state(DelayedProvider.class)).isEqualTo(ComponentConfigurationDTO.ACTIVE);
        view.open();
        assertThat(runtime.multiOpens()).filteredOn(m -> m.className().equals(DelayedProvider.class.getName()))
                .singleElement().satisfies(m -> {
                    assertThat(m.phase()).isEqualTo(MultiOpenInfo.Phase.OPEN);
                    assertThat(m.openCount()).isEqualTo(1);
                });
        view.close();
        context.ungetService(ref);
        // The last view released, nothing holds the component: Declarative Services deactivates it.
        await(() -> state(DelayedProvider.class) == ComponentConfigurationDTO.SATISFIED, "deactivated again");
    }

    @Test
    void aServiceRegisteredUnderItsOwnInterfaceIsUsedAsSuchListedAndAccountedPerBundle() throws Exception {
        enable(DatabaseComponent.class);
        ServiceReference<Database> ref = null;
        long deadline = System.nanoTime() + TIMEOUT * 1_000_000L;
        while (ref == null && System.nanoTime() < deadline) {
            ref = context.getServiceReference(Database.class);
            Thread.sleep(ref == null ? 5 : 0);
        }
        assertThat(ref).isNotNull();
        assertThat(ref.getProperty(MultiOpenServices.VIEWS)).isEqualTo(true);
        assertThat(context.getServiceReferences(Database.class, null)).as("the provider's object is not registered as a Database")
                .singleElement().isEqualTo(ref);
        Database db = context.getService(ref);
        try (MultiOpen.Handle h = db.acquire()) {
            assertThat(db.query("select 1")).isEqualTo("rows of select 1");
            assertThat(h.multiOpen()).isSameAs(db);
            MultiOpenInfo info = listed(DatabaseComponent.class.getName());
            assertThat(info.interfaces()).containsExactly(Database.class.getName());
            assertThat(info.consumers()).singleElement().satisfies(c -> {
                assertThat(c.bundle()).isEqualTo(SELF);
                assertThat(c.opens()).isEqualTo(1);
            });
        }
        assertThat(db.isClosed()).isTrue();
        context.ungetService(ref);
    }

    @Test
    void aBundleThatUngetsAServiceItNeverOpenedChangesNothing() throws Exception {
        enable(LazyProvider.class);
        MultiOpen mine = provider.waitForService(TIMEOUT);
        mine.open();
        ServiceReference<MultiOpen> ref = provider.getServiceReference();
        Bundle other = installer.installBundle("tb/consumer.jar");
        BundleContext otherContext = other.getBundleContext();
        MultiOpen theirs = otherContext.getService(ref);
        assertThat(theirs).isNotSameAs(mine);
        assertThat(otherContext.ungetService(ref)).isTrue();
        assertThat(mine.openCount()).isEqualTo(1);
        assertThat(warnings).isEmpty();
        mine.close();
    }

    @Test
    void withLeakDetectionTheReleaseWarningSaysWhereTheLeftOpensWereMade() throws Exception {
        boolean before = LeakDetection.isEnabled();
        LeakDetection.setEnabled(true);
        try {
            enable(LazyProvider.class);
            assertThat(provider.waitForService(TIMEOUT)).isNotNull();
            Bundle tb = installer.installBundle("tb/consumer.jar");
            Function<String, String> control = control();
            assertThat(control.apply("hold 1")).isEqualTo("held 1");
            assertThat(control.apply("keep")).isEqualTo("keeping");
            tb.stop();
            await(() -> warnings.stream().anyMatch(w -> w.contains("cs.resources.itest.consumer")), "the warning");
            assertThat(warnings).filteredOn(w -> w.contains("cs.resources.itest.consumer")).singleElement().asString()
                    .contains("opened at:", "handle of", "by thread \"consumer-holder-0\"", "Consumer.lambda$hold");
        } finally {
            LeakDetection.setEnabled(before);
        }
    }

    @Test
    void listingKeepsNoServiceObjectAndARunStateServiceNeverListedLeavesHistory() throws Exception {
        RunState rs = new RunState("own-never-listed").start();
        ServiceRegistration<RunState> rsReg = context.registerService(RunState.class, rs, null);
        Pool<Object> pool = Pool.builder(Object::new).name("own-pool").build();
        ServiceRegistration<?> poolReg = context.registerService(Pool.class, pool, null);
        MultiOpen mo = MultiOpen.of(new cs.resources.Openable() {
            @Override
            public void open() {
            }

            @Override
            public void close() {
            }
        });
        ServiceRegistration<MultiOpen> moReg = context.registerService(MultiOpen.class, mo, null);
        try {
            assertThat(runtime.runStates()).anyMatch(i -> i.id() == rs.id());
            assertThat(runtime.pools()).anyMatch(p -> p.name().equals("own-pool"));
            assertThat(runtime.multiOpens()).anyMatch(m -> m.serviceId() == (Long) moReg.getReference().getProperty("service.id"));
            long impl = Arrays.stream(context.getBundles()).filter(b -> "cs.resources.impl".equals(b.getSymbolicName()))
                    .findFirst().orElseThrow().getBundleId();
            for (ServiceReference<?> ref : List.of(rsReg.getReference(), poolReg.getReference(), moReg.getReference())) {
                Bundle[] users = ref.getUsingBundles();
                assertThat(users == null ? List.<Bundle>of() : Arrays.asList(users))
                        .as("users of service %s after listing", ref.getProperty("service.id"))
                        .noneMatch(b -> b.getBundleId() == impl);
            }
        } finally {
            poolReg.unregister();
            moReg.unregister();
        }
        RunState quiet = new RunState("own-quiet").start();
        ServiceRegistration<RunState> quietReg = context.registerService(RunState.class, quiet, null);
        quiet.stop();
        quietReg.unregister(); // never listed while registered: its last values are kept all the same
        rs.stop();
        rsReg.unregister();
        assertThat(runtime.runStates(true)).filteredOn(i -> i.name().equals("own-quiet")).singleElement()
                .extracting(RunStateInfo::state).isEqualTo(RunState.State.STOPPED);
    }

    @Test
    void aRunStateRegisteredAsItEndsIsNotListedAsLiveAfterwards() throws Exception {
        RunState ended = new RunState("own-ended").start();
        ended.stop();
        runtime.register(ended);
        assertThat(runtime.runStates()).noneMatch(i -> i.id() == ended.id());
        assertThat(runtime.runStates(true)).filteredOn(i -> i.id() == ended.id()).singleElement()
                .extracting(RunStateInfo::state).isEqualTo(RunState.State.STOPPED);
        for (int round = 0; round < 200; round++) {
            RunState rs = new RunState("own-race-" + round).start();
            Thread stopper = new Thread(rs::stop);
            stopper.start();
            runtime.register(rs);
            stopper.join(TIMEOUT);
            assertThat(runtime.runStates(true)).as("round %d", round).filteredOn(i -> i.id() == rs.id())
                    .allSatisfy(i -> assertThat(i.isLive()).isFalse());
            assertThat(runtime.runStates()).noneMatch(i -> i.id() == rs.id());
        }
    }

    @Test
    void aProviderRegisteringByHandGetsPerBundleViewsWithOneCall() throws Exception {
        LazyProvider shared = new LazyProvider();
        java.util.Hashtable<String, Object> props = new java.util.Hashtable<>();
        props.put("cs.resources.itest.role", "by-hand");
        ServiceRegistration<?> reg = MultiOpenServices.register(context, shared, props, MultiOpen.class);
        try {
            ServiceReference<?> ref = reg.getReference();
            assertThat(ref.getProperty(MultiOpenServices.VIEWS)).isEqualTo(true);
            assertThat(context.getServiceReferences(MultiOpen.class, "(cs.resources.itest.role=by-hand)"))
                    .as("not republished a second time").hasSize(1);
            MultiOpen mine = (MultiOpen) context.getService(ref);
            Bundle other = installer.installBundle("tb/consumer.jar");
            MultiOpen theirs = (MultiOpen) other.getBundleContext().getService(ref);
            assertThat(theirs).isNotSameAs(mine);
            mine.open();
            theirs.open();
            theirs.open();
            assertThat(shared.openCount()).as("one open of the shared object per bundle that holds any").isEqualTo(2);
            assertThat(mine.openCount()).as("every bundle's opens, one by one").isEqualTo(3);
            assertThat(MultiOpenServices.published(ref)).get().satisfies(p -> assertThat(p.opens())
                    .extracting(MultiOpenServices.BundleOpens::bundle, MultiOpenServices.BundleOpens::opens)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(SELF, 1),
                            org.assertj.core.groups.Tuple.tuple("cs.resources.itest.consumer", 2)));
            other.stop(); // the framework releases the service for it: its two opens are closed for it
            await(() -> mine.openCount() == 1, "the other bundle's opens closed for it");
            assertThat(shared.openCount()).isEqualTo(1);
            mine.close();
            assertThat(shared.isClosed()).isTrue();
        } finally {
            reg.unregister();
        }
        assertThat(MultiOpenServices.published()).noneMatch(p -> p.registrant().equals(context.getBundle())
                && p.interfaces().equals(List.of(MultiOpen.class.getName())) && !p.isRegistered());
    }

    @Test
    void registerByHandRejectsBadInputPrecisely() {
        LazyProvider shared = new LazyProvider();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> MultiOpenServices.register(context, shared, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("register: give at least one interface");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> MultiOpenServices.register(context, shared, null, LazyProvider.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("register: cs.resources.itest.LazyProvider is a class; per-bundle views need interface types");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> MultiOpenServices.register(context, shared, null, Runnable.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not a MultiOpen: none of [java.lang.Runnable] is cs.resources.MultiOpen or a subtype");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> MultiOpenServices.register(context, shared, null, Database.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("register: cs.resources.itest.LazyProvider does not implement cs.resources.itest.Database");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> MultiOpenServices.register(null, shared, null, MultiOpen.class))
                .isInstanceOf(NullPointerException.class).hasMessage("context");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> MultiOpenServices.register(context, null, null, MultiOpen.class))
                .isInstanceOf(NullPointerException.class).hasMessage("shared");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> MultiOpenServices.register(context, shared, null, MultiOpen.class, null))
                .isInstanceOf(NullPointerException.class).hasMessage("interfaces contains null");
        assertThat(shared.openCount()).isZero();
    }
}
