package cs.resources.itest;

import static cs.resources.itest.OwnershipIT.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cs.resources.ClosedException;
import cs.resources.MultiOpen;
import cs.resources.osgi.MultiOpenServices;
import cs.resources.osgi.Shared;
import cs.resources.runtime.MultiOpenInfo;
import cs.resources.runtime.ResourcesRuntime;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.PrototypeServiceFactory;
import org.osgi.framework.ServiceFactory;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectBundleInstaller;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.common.install.BundleInstaller;
import org.osgi.test.common.service.ServiceAware;
import org.osgi.util.tracker.ServiceTracker;
import org.osgi.util.tracker.ServiceTrackerCustomizer;

/**
 * Sharing that keeps the OSGi service contract (issue 17): views published by a whiteboard, with
 * no hooks; providers that stop leave their consumers' opens to them; views that were detached or
 * released take no new open; the runtime's own stop and start are ordinary service dynamics;
 * trackers see every event; equal rankings keep the providers' order; services that cannot be
 * shared are refused with one warning.
 */
class SharingIT {
    static final long TIMEOUT = 10_000;
    static final String CONSUMER = "cs.resources.itest.consumer";
    static final String CONSUMER_PID = "cs.resources.itest.consumer.Consumer";

    @InjectBundleContext
    BundleContext context;

    @InjectBundleInstaller
    BundleInstaller installer;

    @InjectService(timeout = TIMEOUT)
    ServiceComponentRuntime scr;

    @InjectService(timeout = TIMEOUT)
    ConfigurationAdmin configAdmin;

    @InjectService(cardinality = 0)
    ServiceAware<ResourcesRuntime> runtime;

    @InjectService(cardinality = 0, filter = "(cs.resources.itest.role=provider)")
    ServiceAware<MultiOpen> provider;

    @InjectService(cardinality = 0, filter = "(cs.resources.itest.role=by-hand)")
    ServiceAware<MultiOpen> byHand;

    @InjectService(cardinality = 0, filter = "(cs.resources.itest=consumer)")
    @SuppressWarnings("rawtypes")
    ServiceAware<Function> consumer;

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
            Logger.getLogger("cs.resources.impl.ViewWhiteboard"));
    final List<ServiceRegistration<?>> registered = new ArrayList<>();

    @BeforeEach
    void captureWarnings() {
        loggers.forEach(l -> l.addHandler(capture));
    }

    @AfterEach
    void cleanUp() throws Exception {
        loggers.forEach(l -> l.removeHandler(capture));
        for (ServiceRegistration<?> r : registered) {
            try {
                r.unregister();
            } catch (IllegalStateException gone) {
                // its bundle stopped
            }
        }
        Bundle impl = bundle("cs.resources.impl");
        if (impl.getState() != Bundle.ACTIVE) {
            impl.start();
        }
        for (Class<?> c : List.of(LazyProvider.class, Provider.class, BundleScopedDatabase.class)) {
            scr.disableComponent(description(c)).getValue();
        }
        Configuration[] configs = configAdmin.listConfigurations("(service.pid=" + CONSUMER_PID + ")");
        if (configs != null) {
            for (Configuration c : configs) {
                c.delete();
            }
        }
        assertThat(runtime.waitForService(TIMEOUT)).isNotNull();
    }

    private Bundle bundle(String bsn) {
        return Arrays.stream(context.getBundles()).filter(b -> bsn.equals(b.getSymbolicName())).findFirst()
                .orElseThrow(() -> new AssertionError("no bundle " + bsn));
    }

    private ComponentDescriptionDTO description(Class<?> component) {
        return scr.getComponentDescriptionDTO(FrameworkUtil.getBundle(SharingIT.class), component.getName());
    }

    @SuppressWarnings("unchecked")
    private Function<String, String> control() throws InterruptedException {
        Function<String, String> f = consumer.waitForService(TIMEOUT);
        assertThat(f).as("the consumer bundle's control service").isNotNull();
        return f;
    }

    private List<MultiOpenInfo> listed(String className) throws InterruptedException {
        return runtime.waitForService(TIMEOUT).multiOpens().stream().filter(m -> m.className().equals(className)).toList();
    }

    /** The consumer bundle's component binds to the provider of this role from now on. */
    private void consumerBindsTo(String role) throws Exception {
        Configuration c = configAdmin.getConfiguration(CONSUMER_PID, "?");
        Hashtable<String, Object> props = new Hashtable<>();
        props.put("Provider.target", "(cs.resources.itest.role=" + role + ")"); // the reference of setProvider
        c.update(props);
    }

    private ServiceRegistration<?> share(BundleContext in, Object service, String name, Integer ranking) {
        return share(in, service, Database.class, name, ranking);
    }

    private ServiceRegistration<?> share(BundleContext in, Object service, Class<?> as, String name, Integer ranking) {
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(MultiOpenServices.SHARED_AS, as.getName());
        props.put("db.name", name);
        if (ranking != null) {
            props.put(Constants.SERVICE_RANKING, ranking);
        }
        ServiceRegistration<?> r = in.registerService(Shared.class.getName(), service, props);
        registered.add(r);
        return r;
    }

    private static long id(ServiceRegistration<?> r) {
        return (Long) r.getReference().getProperty(Constants.SERVICE_ID);
    }

    /** @return the names of the views shared as MultiOpen with a {@code db.name}, in the framework's order */
    private List<String> databasesInOrder() throws Exception {
        ServiceReference<?>[] refs = context.getServiceReferences(MultiOpen.class.getName(), "(db.name=*)");
        List<ServiceReference<?>> sorted = new ArrayList<>(refs == null ? List.of() : Arrays.asList(refs));
        sorted.sort(Collections.reverseOrder()); // the framework's order: ranking, then the lowest id
        return sorted.stream().map(r -> (String) r.getProperty("db.name")).toList();
    }

    // ------------------------------------------------------------------------- a provider stops

    @ParameterizedTest(name = "{0} provider, bundle {1}")
    @CsvSource({"provider, stop", "provider, update", "provider, uninstall", "by-hand, stop", "by-hand, update",
            "by-hand, uninstall"})
    void aProviderWhoseBundleGoesLeavesItsConsumersTheirOpens(String role, String how) throws Exception {
        boolean dsShared = role.equals("provider");
        String name = dsShared ? "SharedResource" : "HandRegisteredResource";
        if (!dsShared) {
            consumerBindsTo("by-hand");
        }
        Bundle providerBundle = installer.installBundle("tb/provider.jar");
        long providerId = providerBundle.getBundleId();
        MultiOpen mine = (dsShared ? provider : byHand).waitForService(TIMEOUT);
        assertThat(mine).isNotNull();
        installer.installBundle("tb/consumer.jar");
        Function<String, String> control = control();
        assertThat(control.apply("hold 3")).isEqualTo("held 3");
        int owners = dsShared ? 1 : 0; // SharedResource holds itself open
        assertThat(mine.openCount()).isEqualTo(3 + owners);
        assertThat(mine).hasToString(name + "[startups=1, shutdowns=0]");

        switch (how) {
            case "stop" -> providerBundle.stop();
            case "update" -> {
                try (InputStream in = FrameworkUtil.getBundle(getClass()).getEntry("tb/provider.jar").openStream()) {
                    providerBundle.update(in);
                }
            }
            case "uninstall" -> providerBundle.uninstall();
            default -> throw new IllegalArgumentException(how);
        }

        // The consumer keeps its three opens: nothing was closed for it, nothing shut down.
        assertThat(mine).hasToString(name + "[startups=1, shutdowns=0]");
        assertThat(mine.isOpen()).isTrue();
        assertThat(mine.openCount()).isEqualTo(3);
        assertThat(warnings).noneMatch(w -> w.contains("closing"));
        // A new open through a view of the service that went away is refused, naming the
        // provider, before anything runs.
        assertThatThrownBy(mine::open).isInstanceOf(ClosedException.class)
                .hasMessageContaining("its provider cs.resources.itest.provider [" + providerId + "] unregistered the service");
        String className = "cs.resources.itest.provider." + name;
        assertThat(listed(className)).filteredOn(m -> !m.registered()).singleElement().satisfies(m -> {
            assertThat(m.openCount()).isEqualTo(3);
            assertThat(m.consumers()).extracting(MultiOpenInfo.ConsumerOpens::bundle, MultiOpenInfo.ConsumerOpens::opens)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(CONSUMER, 3));
        });

        // The resource ends with their last close, in the consumer's thread.
        assertThat(control.apply("release")).isEqualTo("released");
        assertThat(control.apply("release")).isEqualTo("released");
        assertThat(mine).hasToString(name + "[startups=1, shutdowns=0]");
        assertThat(control.apply("release")).isEqualTo("released");
        assertThat(mine).hasToString(name + "[startups=1, shutdowns=1]");
        assertThat(mine.isClosed()).isTrue();
        await(() -> {
            try {
                return listed(className).stream().noneMatch(m -> !m.registered());
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }, "the old instance is no longer listed");
    }

    // -------------------------------------------------------------- detached views take no opens

    @Test
    void aDetachedViewTakesNoNewOpenAndNothingAStoppedConsumerHeldStaysOpen() throws Exception {
        scr.enableComponent(description(LazyProvider.class)).getValue();
        MultiOpen mine = provider.waitForService(TIMEOUT);
        mine.open(); // this bundle's own, across the whole test
        Bundle tb = installer.installBundle("tb/consumer.jar");
        Function<String, String> control = control();
        assertThat(control.apply("hold 2")).isEqualTo("held 2");
        int startups = LazyProvider.STARTUPS.get();

        scr.disableComponent(description(LazyProvider.class)).getValue(); // the service goes: views detached
        assertThat(control.apply("release")).isEqualTo("released");
        // The object is open (this bundle and the consumer hold it), yet the detached view takes no
        // new open: it would be an open nobody closes when the consumer stops.
        assertThat(control.apply("hold 1")).startsWith("cs.resources.ClosedException: ")
                .contains("by bundle " + CONSUMER, "unregistered the service");
        assertThat(mine.openCount()).isEqualTo(2);

        assertThat(control.apply("keep")).isEqualTo("keeping");
        tb.stop(); // with one open still held: it is closed for the consumer
        await(() -> mine.openCount() == 1, "the stopped consumer's open closed for it");
        assertThat(warnings).filteredOn(w -> w.contains(CONSUMER)).singleElement().asString()
                .contains("stopped while holding 1 open");
        mine.close();
        assertThat(mine.isClosed()).isTrue();
        assertThat(LazyProvider.STARTUPS.get()).as("no startup for a refused open").isEqualTo(startups);
    }

    // ------------------------------------------------------------------------- the owner's hold

    @ParameterizedTest(name = "{0}")
    @CsvSource({"LazyProvider", "Provider"})
    void retireReleasesTheOwnersHoldAndNoConsumersOpenNotEvenAPlainOne(String component) throws Exception {
        Class<?> c = component.equals("Provider") ? Provider.class : LazyProvider.class;
        boolean eager = c == Provider.class; // holds itself open with holdOpen() in @Activate
        scr.enableComponent(description(c)).getValue();
        MultiOpen view = provider.waitForService(TIMEOUT);
        assertThat(view).isNotNull();
        // A consumer that opens the object itself, plainly: plain Java, or a bundle that looked it
        // up as Shared. Its open must survive the owner's retire() as a view's does.
        ServiceReference<Shared> ref = context.getServiceReferences(Shared.class, "(cs.resources.itest.role=provider)")
                .iterator().next();
        Shared object = context.getService(ref);
        object.open();
        installer.installBundle("tb/consumer.jar");
        Function<String, String> control = control();
        assertThat(control.apply("hold 1")).isEqualTo("held 1");
        assertThat(object.openCount()).as("the plain open, the consumer's view, and the owner's hold")
                .isEqualTo(eager ? 3 : 2);
        long shutdowns = eager ? Provider.SHUTDOWNS.get() : LazyProvider.SHUTDOWNS.get();

        scr.disableComponent(description(c)).getValue(); // @Deactivate: retire()
        assertThat(object.isOpen()).as("retire() released only the owner's hold").isTrue();
        assertThat(object.openCount()).isEqualTo(2);
        assertThat(eager ? Provider.SHUTDOWNS.get() : LazyProvider.SHUTDOWNS.get()).isEqualTo(shutdowns);
        assertThatThrownBy(view::open).isInstanceOf(ClosedException.class);

        object.close();
        assertThat(object.isOpen()).isTrue();
        assertThat(control.apply("release")).isEqualTo("released"); // the last: the shutdown, in its thread
        assertThat(object.isClosed()).isTrue();
        assertThat(eager ? Provider.SHUTDOWNS.get() : LazyProvider.SHUTDOWNS.get()).isEqualTo(shutdowns + 1);
        assertThatThrownBy(object::open).as("a retired object starts no new cycle").isInstanceOf(ClosedException.class);
        context.ungetService(ref);
    }

    // ---------------------------------------------------------- the runtime stops and starts again

    @Test
    void theRuntimeStoppedAndStartedWhileConsumersHoldOpensIsOrdinaryServiceDynamics() throws Exception {
        scr.enableComponent(description(LazyProvider.class)).getValue();
        assertThat(provider.waitForService(TIMEOUT)).isNotNull();
        installer.installBundle("tb/consumer.jar");
        Function<String, String> control = control();
        assertThat(control.apply("hold 2")).isEqualTo("held 2");
        int startups = LazyProvider.STARTUPS.get();
        int shutdowns = LazyProvider.SHUTDOWNS.get();

        Bundle impl = bundle("cs.resources.impl");
        impl.stop();
        await(provider::isEmpty, "the views are gone with the runtime");
        assertThat(LazyProvider.SHUTDOWNS.get()).as("the consumer's opens are its own").isEqualTo(shutdowns);

        impl.start();
        MultiOpen again = provider.waitForService(TIMEOUT);
        assertThat(again).as("the views are back").isNotNull();
        assertThat(control.apply("open")).as("the consumer rebound to its new view").isEqualTo("opened");
        assertThat(LazyProvider.STARTUPS.get()).as("the same object, not opened twice").isEqualTo(startups);
        assertThat(again.openCount()).as("the consumer's opens, held through the views it had before").isEqualTo(2);
        assertThat(listed(LazyProvider.class.getName())).singleElement().satisfies(m -> {
            assertThat(m.registered()).isTrue();
            assertThat(m.openCount()).isEqualTo(2);
            assertThat(m.phase()).isEqualTo(MultiOpenInfo.Phase.OPEN);
            assertThat(m.consumers()).extracting(MultiOpenInfo.ConsumerOpens::bundle, MultiOpenInfo.ConsumerOpens::opens)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(CONSUMER, 2));
        });

        assertThat(control.apply("release")).isEqualTo("released");
        assertThat(control.apply("release")).isEqualTo("released");
        assertThat(LazyProvider.SHUTDOWNS.get()).isEqualTo(shutdowns + 1);
        assertThat(listed(LazyProvider.class.getName())).singleElement().satisfies(m -> {
            assertThat(m.openCount()).isZero();
            assertThat(m.consumers()).isEmpty();
            assertThat(m.startups()).as("one cycle across the restart").isEqualTo(1);
            assertThat(m.shutdowns()).isEqualTo(1);
            assertThat(m.startupFailures()).isZero();
        });
        assertThat(MultiOpenServices.published()).as("nothing left of the first views")
                .filteredOn(p -> p.registrant().equals(context.getBundle()) && !p.isRegistered()).isEmpty();
    }

    // --------------------------------------------------------------------- trackers see everything

    @Test
    void aTrackerOpenedBeforeTheRuntimeStartsSeesEveryEventAndOpensTheSharedObjectOnce() throws Exception {
        Bundle impl = bundle("cs.resources.impl");
        impl.stop();
        MultiOpen plain = MultiOpen.of(new cs.resources.Openable() {
            @Override
            public void open() {
            }

            @Override
            public void close() {
            }
        });
        Hashtable<String, Object> props = new Hashtable<>();
        props.put("cs.resources.itest.role", "plain");
        ServiceRegistration<MultiOpen> plainReg = context.registerService(MultiOpen.class, plain, props);
        registered.add(plainReg);
        scr.enableComponent(description(LazyProvider.class)).getValue();

        List<String> events = new CopyOnWriteArrayList<>();
        // A whiteboard of MultiOpens, as another bundle writes one: it opens each service it tracks.
        ServiceTracker<MultiOpen, MultiOpen> tracker = new ServiceTracker<>(context, MultiOpen.class,
                new ServiceTrackerCustomizer<>() {
                    @Override
                    public MultiOpen addingService(ServiceReference<MultiOpen> ref) {
                        events.add("added " + ref.getProperty("cs.resources.itest.role"));
                        MultiOpen mo = context.getService(ref);
                        mo.open();
                        return mo;
                    }

                    @Override
                    public void modifiedService(ServiceReference<MultiOpen> ref, MultiOpen mo) {
                        events.add("modified " + ref.getProperty("cs.resources.itest.role"));
                    }

                    @Override
                    public void removedService(ServiceReference<MultiOpen> ref, MultiOpen mo) {
                        events.add("removed " + ref.getProperty("cs.resources.itest.role"));
                        mo.close();
                        context.ungetService(ref);
                    }
                });
        tracker.open();
        try {
            assertThat(events).containsExactly("added plain");
            int startups = LazyProvider.STARTUPS.get();
            int shutdowns = LazyProvider.SHUTDOWNS.get();

            impl.start();
            assertThat(runtime.waitForService(TIMEOUT)).isNotNull();
            await(() -> events.contains("added provider"), "the tracker sees the views");
            assertThat(LazyProvider.STARTUPS.get()).as("one startup: the object is opened once, through the view")
                    .isEqualTo(startups + 1);
            assertThat(listed(LazyProvider.class.getName())).singleElement().extracting(MultiOpenInfo::openCount).isEqualTo(1);

            props.put("cs.resources.itest.extra", "yes");
            plainReg.setProperties(props);
            plainReg.unregister();
            assertThat(events).containsExactly("added plain", "added provider", "modified plain", "removed plain");
            assertThat(plain.isClosed()).as("the tracker closed what it opened").isTrue();

            impl.stop(); // the views go: the tracker sees them go, and closes its open
            assertThat(events).endsWith("removed provider");
            assertThat(tracker.isEmpty()).isTrue();
            assertThat(LazyProvider.SHUTDOWNS.get()).isEqualTo(shutdowns + 1);
        } finally {
            tracker.close();
        }
    }

    // ---------------------------------------------------------------- ranking order, targeting

    @Test
    void viewsKeepTheProvidersOrderAmongEqualRankingsAndConsumersTargetTheProvidersId() throws Exception {
        Bundle impl = bundle("cs.resources.impl");
        impl.stop();
        Bundle tb = installer.installBundle("tb/consumer.jar");
        BundleContext other = tb.getBundleContext();
        // Registered alternately by two bundles: the order the framework lists them in at the
        // runtime's start is not the order of their ids. Shared as MultiOpen, a type both see.
        ServiceRegistration<?> a1 = share(context, new NamedDatabase("a1"), MultiOpen.class, "a1", null);
        ServiceRegistration<?> b1 = share(other, new NamedDatabase("b1"), MultiOpen.class, "b1", null);
        share(context, new NamedDatabase("a2"), MultiOpen.class, "a2", null);
        share(other, new NamedDatabase("b2"), MultiOpen.class, "b2", null);
        assertThat(databasesInOrder()).as("no view without the runtime").isEmpty();

        impl.start();
        await(() -> {
            try {
                return databasesInOrder().size() == 4;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }, "four views");
        assertThat(databasesInOrder()).containsExactly("a1", "b1", "a2", "b2");
        assertThat(context.getServiceReferences(MultiOpen.class, "(db.name=*)").stream().sorted(Collections.reverseOrder())
                .findFirst().orElseThrow().getProperty("db.name")).as("the default").isEqualTo("a1");

        share(context, new NamedDatabase("c"), MultiOpen.class, "c", null);
        share(other, new NamedDatabase("top"), MultiOpen.class, "top", 5);
        assertThat(databasesInOrder()).containsExactly("top", "a1", "b1", "a2", "b2", "c");

        // A consumer that must bind to one provider targets the provider's id (or its own property).
        assertThat(context.getServiceReferences(MultiOpen.class, "(" + MultiOpenServices.ORIGINAL_SERVICE_ID + "=" + id(b1) + ")"))
                .singleElement().extracting(r -> r.getProperty("db.name")).isEqualTo("b1");
        assertThat(context.getServiceReferences(MultiOpen.class, "(" + Constants.SERVICE_ID + "=" + id(a1) + ")"))
                .as("the provider's id is its Shared registration's, not a view's").isEmpty();
        assertThat(context.getServiceReferences(Shared.class, "(" + Constants.SERVICE_ID + "=" + id(a1) + ")"))
                .as("the provider's registration, as the framework made it").singleElement()
                .satisfies(r -> assertThat(r.getBundle()).isEqualTo(context.getBundle()));
        MultiOpen view = context.getService(context.getServiceReferences(MultiOpen.class, "(db.name=b2)").iterator().next());
        try (var h = view.acquire()) {
            assertThat(view).hasToString("NamedDatabase[b2]");
            assertThat(view.isOpen()).isTrue();
            assertThat(h.multiOpen()).isSameAs(view);
        }
    }

    // ---------------------------------------------------------------------- what cannot be shared

    @Test
    void servicesThatCannotBeSharedAreRefusedWithOneWarningLineEach() throws Exception {
        ServiceRegistration<?> bundleScoped = share(context, new ServiceFactory<NamedDatabase>() {
            @Override
            public NamedDatabase getService(Bundle bundle, ServiceRegistration<NamedDatabase> registration) {
                return new NamedDatabase("for " + bundle.getSymbolicName());
            }

            @Override
            public void ungetService(Bundle bundle, ServiceRegistration<NamedDatabase> registration, NamedDatabase service) {
            }
        }, "bundle-factory", null);
        ServiceRegistration<?> prototype = share(context, new PrototypeServiceFactory<NamedDatabase>() {
            @Override
            public NamedDatabase getService(Bundle bundle, ServiceRegistration<NamedDatabase> registration) {
                return new NamedDatabase("one of many");
            }

            @Override
            public void ungetService(Bundle bundle, ServiceRegistration<NamedDatabase> registration, NamedDatabase service) {
            }
        }, "prototype-factory", null);
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(MultiOpenServices.SHARED_AS, Database.class.getName());
        props.put("db.name", "registered-as-database");
        ServiceRegistration<?> asItself = context.registerService(new String[] {Shared.class.getName(), Database.class.getName()},
                new NamedDatabase("itself"), props);
        registered.add(asItself);
        scr.enableComponent(description(BundleScopedDatabase.class)).getValue();
        await(() -> warnings.stream().anyMatch(w -> w.contains("its component is bundle-scoped")), "the component refused");

        assertThat(warnings).filteredOn(w -> w.startsWith("service " + id(bundleScoped) + " ")).singleElement().asString()
                .contains("shares [" + Database.class.getName() + "] but it is bundle-scoped: not published with views",
                        "make it singleton-scoped");
        assertThat(warnings).filteredOn(w -> w.startsWith("service " + id(prototype) + " ")).singleElement().asString()
                .contains("but it is prototype-scoped");
        assertThat(warnings).filteredOn(w -> w.startsWith("service " + id(asItself) + " ")).singleElement().asString()
                .contains("is registered under " + Database.class.getName() + ", which it shares",
                        "register it under " + Shared.class.getName() + " only");
        assertThat(warnings).filteredOn(w -> w.contains("its component is bundle-scoped")).singleElement().asString()
                .contains("shares [" + Database.class.getName() + "]");
        assertThat(warnings).allMatch(w -> !w.contains("\n"));
        assertThat(context.getServiceReferences(Database.class, "(" + MultiOpenServices.VIEWS + "=*)"))
                .as("no views of any of them").isEmpty();
    }
}
