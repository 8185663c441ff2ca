package cs.resources.itest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cs.resources.MultiOpen;
import cs.resources.Openable;
import cs.resources.Pool;
import cs.resources.Registration;
import cs.resources.RunState;
import cs.resources.runtime.ResourcesRuntime;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.Arrays;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.management.DynamicMBean;
import javax.management.MBeanInfo;
import javax.management.MBeanServer;
import javax.management.MBeanServerDelegate;
import javax.management.MBeanServerNotification;
import javax.management.NotificationListener;
import javax.management.ObjectName;
import javax.management.RuntimeMBeanException;
import javax.management.openmbean.ArrayType;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.OpenMBeanAttributeInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceListener;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

/**
 * The runtime's MXBeans, read and operated as any JMX client does: through the platform MBean
 * server, with open types only (this bundle cannot see their interfaces). Plain Felix has no JMX
 * whiteboard, so by default they are registered there; the mode switch publishes them as
 * {@code jmx.objectname} services instead, never both.
 */
class JmxIT {
    static final long TIMEOUT = 10_000;
    static final String PID = "cs.resources.jmx";
    static final String SELF = "cs.resources.itest.tests";
    static final ObjectName RUN_STATES = name("cs.resources:type=RunStates");
    static final ObjectName MULTI_OPENS = name("cs.resources:type=MultiOpens");
    static final ObjectName POOLS = name("cs.resources:type=Pools");
    static final String WHITEBOARD_FILTER = "(jmx.objectname=cs.resources:*)";

    final MBeanServer server = ManagementFactory.getPlatformMBeanServer();

    @InjectService(timeout = TIMEOUT)
    ResourcesRuntime runtime;

    @InjectService(timeout = TIMEOUT)
    ConfigurationAdmin configAdmin;

    @InjectBundleContext
    BundleContext context;

    /** Released on every (un)registration of an MBean of our domain, or of a whiteboard service of it. */
    private final Semaphore changes = new Semaphore(0);
    private final NotificationListener listener = (n, handback) -> {
        if (n instanceof MBeanServerNotification m && m.getMBeanName().getDomain().equals("cs.resources")) {
            changes.release();
        }
    };
    private final ServiceListener serviceListener = event -> changes.release();

    @BeforeEach
    void listen() throws Exception {
        server.addNotificationListener(MBeanServerDelegate.DELEGATE_NAME, listener, null, null);
        context.addServiceListener(serviceListener, WHITEBOARD_FILTER);
        awaitPlatform(true);
    }

    @AfterEach
    void restore() throws Exception {
        Configuration c = configAdmin.getConfiguration(PID, "?");
        if (c.getProperties() != null) {
            c.delete();
        }
        awaitPlatform(true);
        awaitWhiteboard(false);
        server.removeNotificationListener(MBeanServerDelegate.DELEGATE_NAME, listener);
        context.removeServiceListener(serviceListener);
    }

    /** Waits until our three MBeans are all registered with the platform server, or none is. */
    private void awaitPlatform(boolean registered) throws InterruptedException {
        while (!Stream.of(RUN_STATES, MULTI_OPENS, POOLS).allMatch(n -> server.isRegistered(n) == registered)) {
            assertThat(changes.tryAcquire(TIMEOUT, TimeUnit.MILLISECONDS))
                    .as("MBeans registered with the platform server: " + registered).isTrue();
        }
    }

    /** Waits until our three MBeans are all published as whiteboard services, or none is. */
    private void awaitWhiteboard(boolean published) throws Exception {
        while (whiteboard().size() != (published ? 3 : 0)) {
            assertThat(changes.tryAcquire(TIMEOUT, TimeUnit.MILLISECONDS))
                    .as("MBeans published as jmx.objectname services: " + published).isTrue();
        }
    }

    private List<ServiceReference<DynamicMBean>> whiteboard() throws Exception {
        return List.copyOf(context.getServiceReferences(DynamicMBean.class, WHITEBOARD_FILTER));
    }

    private static ObjectName name(String name) {
        try {
            return new ObjectName(name);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    private CompositeData[] read(ObjectName bean, String attribute) throws Exception {
        return (CompositeData[]) server.getAttribute(bean, attribute);
    }

    private static CompositeData named(CompositeData[] rows, String key, Object value) {
        return Arrays.stream(rows).filter(r -> value.equals(r.get(key))).findFirst()
                .orElseThrow(() -> new AssertionError("no row with " + key + "=" + value + " in " + Arrays.toString(rows)));
    }

    @Test
    void threeMXBeansInOneDomainWithOpenTypesOnly() throws Exception {
        assertThat(server.queryNames(name("cs.resources:*"), null)).containsExactlyInAnyOrder(RUN_STATES, MULTI_OPENS, POOLS);
        for (ObjectName n : List.of(RUN_STATES, MULTI_OPENS, POOLS)) {
            MBeanInfo info = server.getMBeanInfo(n);
            assertThat(info.getDescriptor().getFieldValue("mxbean")).isEqualTo("true");
            assertThat(info.getAttributes()).allSatisfy(a -> {
                assertThat(a).isInstanceOf(OpenMBeanAttributeInfo.class);
                assertThat(((OpenMBeanAttributeInfo) a).getOpenType()).isInstanceOf(ArrayType.class);
                assertThat(a.isWritable()).isFalse();
            });
        }
        assertThat(server.getMBeanInfo(RUN_STATES).getOperations())
                .extracting(o -> o.getName()).containsExactlyInAnyOrder("listRunStates", "cancel", "pause", "resume");
    }

    @Test
    void runStatesAreListedAndCancelledById() throws Exception {
        RunState one = new RunState("jmx-one").start();
        RunState two = new RunState("jmx-two");
        Registration r1 = runtime.register(one);
        Registration r2 = runtime.register(two);
        try {
            CompositeData row = named(read(RUN_STATES, "RunStates"), "name", "jmx-one");
            assertThat(row.get("id")).isEqualTo(one.id());
            assertThat(row.get("state")).isEqualTo("RUNNING");
            assertThat(row.get("bundle")).isEqualTo(SELF);
            assertThat(row.get("bundleId")).isEqualTo(context.getBundle().getBundleId());
            assertThat(row.get("source")).isEqualTo("REGISTERED");
            assertThat(Instant.parse((String) row.get("startTime"))).isEqualTo(one.startTime().orElseThrow());
            assertThat((Long) row.get("runTimeMillis")).isNotNegative();
            assertThat(named(read(RUN_STATES, "RunStates"), "name", "jmx-two").get("startTime")).isNull();

            CompositeData[] cancelled = (CompositeData[]) server.invoke(RUN_STATES, "cancel",
                    new Object[] {String.valueOf(one.id())}, new String[] {String.class.getName()});
            assertThat(cancelled).singleElement().satisfies(c -> {
                assertThat(c.get("id")).isEqualTo(one.id());
                assertThat(c.get("state")).isEqualTo("STOPPING");
            });
            assertThat(one.isCancelled()).isTrue();
            assertThat(two.isCancelled()).isFalse();

            server.invoke(RUN_STATES, "cancel", new Object[] {String.valueOf(two.id())}, new String[] {String.class.getName()});
            assertThat(two.isCancelled()).isTrue();
            assertThat(named(read(RUN_STATES, "RunStates"), "name", "jmx-two").get("nextRun")).isNull();

            one.stop(); // ended: only the full listing has it
            assertThat(read(RUN_STATES, "RunStates")).noneMatch(c -> c.get("name").equals("jmx-one"));
            CompositeData[] all = (CompositeData[]) server.invoke(RUN_STATES, "listRunStates",
                    new Object[] {true}, new String[] {boolean.class.getName()});
            assertThat(named(all, "name", "jmx-one").get("state")).isEqualTo("CANCELLED");
        } finally {
            r1.close();
            r2.close();
        }
    }

    @Test
    void runStatesShowProgressTimeLeftParentAndFailure() throws Exception {
        RunState parent = new RunState("jmx-parent").start();
        parent.setTotal(10);
        parent.advance(4);
        parent.setMessage("four of ten");
        RunState child = parent.child("jmx-child").start();
        RunState failed = new RunState("jmx-failed");
        Registration r1 = runtime.register(parent);
        Registration r2 = runtime.register(failed);
        try {
            CompositeData row = named(read(RUN_STATES, "RunStates"), "name", "jmx-parent");
            assertThat(row.get("done")).isEqualTo(4L);
            assertThat(row.get("total")).isEqualTo(10L);
            assertThat(row.get("message")).isEqualTo("four of ten");
            assertThat(row.get("parentId")).isEqualTo(0L);
            assertThat(row.get("failure")).isNull();
            assertThat((Long) row.get("etaMillis")).as("known once time has passed, else -1").isGreaterThanOrEqualTo(-1);
            CompositeData childRow = named(read(RUN_STATES, "RunStates"), "name", "jmx-child");
            assertThat(childRow.get("parentId")).as("a child is a row of its own").isEqualTo(parent.id());
            assertThat(childRow.get("etaMillis")).isEqualTo(-1L);
            assertThat(childRow.get("bundle")).isEqualTo(SELF);

            assertThatThrownBy(() -> failed.run(() -> {
                throw new IllegalStateException("jmx boom");
            })).hasMessage("jmx boom");
            CompositeData[] all = (CompositeData[]) server.invoke(RUN_STATES, "listRunStates",
                    new Object[] {true}, new String[] {boolean.class.getName()});
            assertThat(named(all, "name", "jmx-failed").get("failure"))
                    .isEqualTo("java.lang.IllegalStateException: jmx boom");
        } finally {
            child.stop();
            parent.stop();
            r1.close();
            r2.close();
        }
    }

    @Test
    void runStatesArePausedAndResumed() throws Exception {
        RunState rs = new RunState("jmx-pausable").start();
        RunState pending = new RunState("jmx-pending");
        Registration r1 = runtime.register(rs);
        Registration r2 = runtime.register(pending);
        String[] signature = {String.class.getName()};
        try {
            CompositeData[] paused = (CompositeData[]) server.invoke(RUN_STATES, "pause", new Object[] {String.valueOf(rs.id())},
                    signature);
            assertThat(paused).singleElement().satisfies(c -> assertThat(c.get("state")).isEqualTo("PAUSED"));
            assertThat(rs.isPaused()).isTrue();
            assertThat(named(read(RUN_STATES, "RunStates"), "name", "jmx-pausable").get("state")).isEqualTo("PAUSED");
            CompositeData[] resumed = (CompositeData[]) server.invoke(RUN_STATES, "resume",
                    new Object[] {String.valueOf(rs.id())}, signature);
            assertThat(resumed).singleElement().satisfies(c -> assertThat(c.get("state")).isEqualTo("RUNNING"));
            assertThat(rs.isPaused()).isFalse();

            assertThatThrownBy(() -> server.invoke(RUN_STATES, "pause", new Object[] {String.valueOf(pending.id())}, signature))
                    .isInstanceOf(RuntimeMBeanException.class)
                    .cause().isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("pause: RunState " + pending.id() + " \"jmx-pending\" is not running (PENDING); nothing was paused"
                            + " (by id only: no RunState is chosen by its name)");
            assertThatThrownBy(() -> server.invoke(RUN_STATES, "resume", new Object[] {String.valueOf(rs.id())}, signature))
                    .cause().isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("resume: RunState " + rs.id() + " \"jmx-pausable\" is not paused (RUNNING); nothing was resumed"
                            + " (by id only: no RunState is chosen by its name)");
            assertThatThrownBy(() -> server.invoke(RUN_STATES, "pause", new Object[] {null}, signature))
                    .cause().isInstanceOf(IllegalArgumentException.class).hasMessage("pause: give a RunState id");
            assertThatThrownBy(() -> server.invoke(RUN_STATES, "pause", new Object[] {"jmx-pausable"}, signature))
                    .cause().isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("pause: \"jmx-pausable\" is not a RunState id (decimal digits 0-9); JMX acts by id only, never by name");
            assertThat(rs.isPaused()).as("a name pauses nothing").isFalse();
        } finally {
            rs.stop();
            r1.close();
            r2.close();
        }
    }

    @Test
    void cancelOfANameOrAnUnknownIdCancelsNothing() throws Exception {
        RunState rs = new RunState("jmx-kept").start();
        Registration r = runtime.register(rs);
        String[] signature = {String.class.getName()};
        try {
            assertThatThrownBy(() -> server.invoke(RUN_STATES, "cancel", new Object[] {"jmx-kept"}, signature))
                    .isInstanceOf(RuntimeMBeanException.class)
                    .cause().isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("cancel: \"jmx-kept\" is not a RunState id (decimal digits 0-9); JMX acts by id only, never by name");
            // Digits of other scripts (Arabic-Indic, fullwidth) are digits to Character.isDigit, not ids here.
            for (String notAscii : List.of("\u0664\u0662", "\uff14\uff12", "+42", "-1", "4 2", "99999999999999999999")) {
                assertThatThrownBy(() -> server.invoke(RUN_STATES, "cancel", new Object[] {notAscii}, signature))
                        .as(notAscii).cause().isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("is not a RunState id");
            }
            assertThatThrownBy(() -> server.invoke(RUN_STATES, "cancel", new Object[] {"0"}, signature))
                    .cause().isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("cancel: no live RunState has the id 0; nothing was cancelled (by id only: no RunState is chosen"
                            + " by its name)");
            assertThat(rs.isCancelled()).isFalse();
        } finally {
            r.close();
        }
    }

    @Test
    void aStaleIdCancelsNothingEvenWhenAnotherRunStateIsNamedLikeIt() throws Exception {
        // The page's stale Cancel button, through JMX: the id of a RunState that has ended, and a
        // live RunState whose name is that id. By id only, nothing is cancelled.
        RunState ended = new RunState("jmx-ended");
        Registration r1 = runtime.register(ended);
        ended.run(() -> { });
        RunState namedLikeIt = new RunState(String.valueOf(ended.id())).start();
        Registration r2 = runtime.register(namedLikeIt);
        String[] signature = {String.class.getName()};
        try {
            for (String op : List.of("cancel", "pause", "resume")) {
                assertThatThrownBy(() -> server.invoke(RUN_STATES, op, new Object[] {String.valueOf(ended.id())}, signature))
                        .as(op).isInstanceOf(RuntimeMBeanException.class)
                        .cause().isInstanceOf(IllegalArgumentException.class)
                        .hasMessageStartingWith(op + ": RunState " + ended.id() + " has already ended (STOPPED); nothing was");
            }
            assertThat(namedLikeIt.isCancelled()).as("the RunState named like the stale id").isFalse();
            assertThat(namedLikeIt.isPaused()).isFalse();
            assertThat(named(read(RUN_STATES, "RunStates"), "name", String.valueOf(ended.id())).get("state"))
                    .isEqualTo("RUNNING");
        } finally {
            namedLikeIt.stop();
            r1.close();
            r2.close();
        }
    }

    @Test
    void aTaskShowsItsBundleItsNextRunAndItsCancelReason() throws Exception {
        cs.resources.runtime.TaskService tasks = context.getService(context.getServiceReference(cs.resources.runtime.TaskService.class));
        cs.resources.runtime.TaskHandle<Integer> later = tasks.schedule("jmx-later", () -> 1, java.time.Duration.ofHours(1));
        try {
            CompositeData row = named(read(RUN_STATES, "RunStates"), "name", "jmx-later");
            assertThat(row.get("bundle")).as("the bundle that submitted it").isEqualTo(SELF);
            assertThat(row.get("source")).isEqualTo("TASK");
            assertThat(Instant.parse((String) row.get("nextRun"))).isEqualTo(later.nextRun().orElseThrow());
            server.invoke(RUN_STATES, "cancel", new Object[] {String.valueOf(later.runState().id())},
                    new String[] {String.class.getName()});
            assertThat(later.isCancelled()).as("a task waiting for its time ends at once").isTrue();
            CompositeData[] all = (CompositeData[]) server.invoke(RUN_STATES, "listRunStates",
                    new Object[] {true}, new String[] {boolean.class.getName()});
            CompositeData ended = named(all, "name", "jmx-later");
            assertThat(ended.get("state")).isEqualTo("CANCELLED");
            assertThat(ended.get("cancelReason")).as("JMX gives no reason").isNull();
            assertThat(ended.get("nextRun")).isNull();

            cs.resources.runtime.TaskHandle<Integer> again = tasks.schedule("jmx-again", () -> 2, java.time.Duration.ofHours(1));
            again.cancel("the operator asked");
            CompositeData[] after = (CompositeData[]) server.invoke(RUN_STATES, "listRunStates",
                    new Object[] {true}, new String[] {boolean.class.getName()});
            assertThat(named(after, "name", "jmx-again").get("cancelReason")).isEqualTo("the operator asked");
        } finally {
            later.cancel(true);
        }
    }

    @Test
    void poolStatisticsAreRead() throws Exception {
        Pool<StringBuilder> pool = Pool.builder(StringBuilder::new).name("jmx-pool").maxSize(1).build();
        ServiceRegistration<?> reg = context.registerService(Pool.class, pool, null);
        try {
            Pool.Lease<StringBuilder> a = pool.instance();
            Pool.Lease<StringBuilder> b = pool.instance();
            a.close();
            b.close(); // over the idle bound: dropped
            Pool.Lease<StringBuilder> c = pool.instance(); // reused, still out

            CompositeData row = named(read(POOLS, "Pools"), "name", "jmx-pool");
            assertThat(row.get("serviceId")).isEqualTo(reg.getReference().getProperty("service.id"));
            assertThat(row.get("bundle")).isEqualTo(SELF);
            assertThat(row.get("maxSize")).isEqualTo(1);
            assertThat(row.get("closed")).isEqualTo(false);
            assertThat(row.getAll(new String[] {"created", "reused", "dropped"})).containsExactly(2L, 1L, 1L);
            assertThat(row.getAll(new String[] {"idle", "inUse"})).containsExactly(0, 1);
            assertThat(row.getAll(new String[] {"waits", "timeouts", "expired", "waiting", "longestWaitMillis"}))
                    .containsExactly(0L, 0L, 0L, 0, 0L);
            // commons-pool2's names, for binders that read those: negative maxTotal is "no cap".
            assertThat(row.getAll(new String[] {"numActive", "numIdle", "numWaiters", "maxTotal", "maxIdle"}))
                    .containsExactly(1, 0, 0, -1, 1);
            assertThat(row.getAll(new String[] {"createdCount", "destroyedCount", "borrowedCount", "maxBorrowWaitTimeMillis"}))
                    .containsExactly(2L, 1L, 3L, 0L);
            c.close();
            pool.close();
            assertThat(named(read(POOLS, "Pools"), "name", "jmx-pool").get("closed")).isEqualTo(true);
        } finally {
            reg.unregister();
        }
        assertThat(read(POOLS, "Pools")).noneMatch(r -> r.get("name").equals("jmx-pool"));
    }

    @Test
    void multiOpenCountsAreRead() throws Exception {
        MultiOpen mo = MultiOpen.of(new Openable() {
            @Override
            public void open() {
            }

            @Override
            public void close() {
            }
        });
        ServiceRegistration<MultiOpen> reg = context.registerService(MultiOpen.class, mo, null);
        Long serviceId = (Long) reg.getReference().getProperty("service.id");
        try {
            assertThat(named(read(MULTI_OPENS, "MultiOpens"), "serviceId", serviceId).get("phase")).isEqualTo("NEW");
            mo.open();
            mo.open();
            CompositeData row = named(read(MULTI_OPENS, "MultiOpens"), "serviceId", serviceId);
            assertThat(row.get("openCount")).isEqualTo(2);
            assertThat(row.get("phase")).isEqualTo("OPEN");
            assertThat(row.get("bundle")).isEqualTo(SELF);
            mo.close();
            mo.close();
            assertThat(named(read(MULTI_OPENS, "MultiOpens"), "serviceId", serviceId).get("phase")).isEqualTo("CLOSED");
            assertThat(row.get("registered")).isEqualTo(true);
            assertThat((String[]) row.get("interfaces")).containsExactly("cs.resources.MultiOpen");
        } finally {
            reg.unregister();
        }
    }

    @Test
    void theModeSwitchPublishesThroughOneWayAtATime() throws Exception {
        Configuration c = configAdmin.getConfiguration(PID, "?");
        c.update(new Hashtable<>(Map.of("mode", "WHITEBOARD")));
        awaitWhiteboard(true);
        awaitPlatform(false);
        assertThat(whiteboard()).extracting(r -> r.getProperty("jmx.objectname"))
                .containsExactlyInAnyOrder(RUN_STATES.toString(), MULTI_OPENS.toString(), POOLS.toString());
        ServiceReference<DynamicMBean> ref = whiteboard().stream()
                .filter(r -> r.getProperty("jmx.objectname").equals(RUN_STATES.toString())).findFirst().orElseThrow();
        DynamicMBean bean = context.getService(ref);
        try {
            assertThat(bean.getAttribute("RunStates")).isInstanceOf(CompositeData[].class);
        } finally {
            context.ungetService(ref);
        }

        c.update(new Hashtable<>(Map.of("mode", "OFF")));
        awaitWhiteboard(false);
        awaitPlatform(false);

        c.update(new Hashtable<>(Map.of("mode", "PLATFORM")));
        awaitPlatform(true);
        assertThat(whiteboard()).isEmpty();
    }

    @Test
    void byDefaultAnMBeanServerServiceMeansTheWhiteboard() throws Exception {
        // What Karaf does: it publishes its MBeanServer as a service, for its JMX whiteboard.
        ServiceRegistration<MBeanServer> reg = context.registerService(MBeanServer.class, server, null);
        try {
            awaitWhiteboard(true);
            awaitPlatform(false);
        } finally {
            reg.unregister();
        }
        awaitPlatform(true);
        assertThat(whiteboard()).isEmpty();
    }
}
