package cs.resources.itest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cs.resources.ClosedException;
import cs.resources.Pool;
import cs.resources.runtime.PoolInfo;
import cs.resources.runtime.ResourcesRuntime;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import org.apache.felix.service.command.CommandProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

/**
 * The operator's pool controls through the runtime, the shell and JMX, in the real framework:
 * resizing and evicting a Pool service that another party registered, long leases and the
 * percentiles in the listing.
 */
class PoolControlsIT {
    static final long TIMEOUT = 10_000;

    @InjectService(timeout = TIMEOUT)
    ResourcesRuntime runtime;

    @InjectService(timeout = TIMEOUT)
    CommandProcessor processor;

    @InjectBundleContext
    BundleContext context;

    private final AtomicInteger made = new AtomicInteger();
    private final List<Integer> disposed = new CopyOnWriteArrayList<>();
    private Pool<Integer> pool;
    private ServiceRegistration<?> registration;
    private long serviceId;
    private Gogo gogo;

    @BeforeEach
    void register() {
        pool = Pool.builder(made::incrementAndGet).name("it-controls").maxTotal(4).disposer(disposed::add)
                .recordHoldTimes(true).build();
        registration = context.registerService(Pool.class, pool, null);
        serviceId = (Long) registration.getReference().getProperty(Constants.SERVICE_ID);
        gogo = new Gogo(processor);
    }

    @AfterEach
    void unregister() {
        gogo.close();
        registration.unregister();
        pool.close();
    }

    private PoolInfo listed() {
        return runtime.pools().stream().filter(p -> p.serviceId() == serviceId).findFirst().orElseThrow();
    }

    @Test
    void theRuntimeResizesAndEvictsAPoolService() {
        Pool.Lease<Integer> held = pool.instance();
        try (Pool.Lease<Integer> other = pool.instance()) {
            other.get();
        }
        PoolInfo grown = runtime.setPoolMaxTotal(serviceId, 6);
        assertThat(grown.maxTotal()).isEqualTo(6);
        assertThat(grown.maxSize()).isEqualTo(6);
        assertThat(pool.maxTotal()).isEqualTo(6);
        PoolInfo smaller = runtime.setPoolMaxSize(serviceId, 2);
        assertThat(smaller.maxSize()).isEqualTo(2);

        PoolInfo evicted = runtime.evictPool(serviceId);
        assertThat(evicted.stats().idle()).isZero();
        assertThat(disposed).containsExactly(2);
        held.close();
        assertThat(disposed).containsExactly(2, 1);
        assertThat(listed().stats().holdTimes().count()).isEqualTo(2);
        assertThat(listed().fair()).isTrue();
        assertThat(listed().longLeaseWarning()).isEqualTo(Duration.ZERO);
    }

    @Test
    void badInputAndUnknownIdsAreRefusedAndNothingChanges() {
        assertThatThrownBy(() -> runtime.setPoolMaxTotal(serviceId, -1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1");
        runtime.setPoolMaxSize(serviceId, 3);
        assertThatThrownBy(() -> runtime.setPoolMaxTotal(serviceId, 2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Pool[it-controls]").hasMessageContaining("maxSize 3");
        assertThat(listed().maxTotal()).isEqualTo(4);
        assertThatThrownBy(() -> runtime.evictPool(Long.MAX_VALUE)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no Pool service has the id " + Long.MAX_VALUE);
        assertThatThrownBy(() -> runtime.setPoolMaxSize(Long.MAX_VALUE, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(String.valueOf(Long.MAX_VALUE));
        pool.close();
        assertThatThrownBy(() -> runtime.evictPool(serviceId)).isInstanceOf(ClosedException.class)
                .hasMessageContaining("Pool[it-controls]");
    }

    @Test
    void theShellListsPercentilesAndLongLeasesAndResizesAndEvicts() throws Exception {
        try (Pool.Lease<Integer> lease = pool.instance()) {
            gogo.run("resources:pools"); // a hold long enough to show in microseconds
            lease.get();
        }
        String row = gogo.run("resources:pools -p").lines().filter(l -> l.startsWith(serviceId + "\t")).findFirst()
                .orElseThrow();
        String[] cells = row.split("\t");
        assertThat(cells).hasSize(24);
        assertThat(cells[17]).as("long leases").isEqualTo("0");
        assertThat(cells[18]).as("no wait yet").isEqualTo("-");
        assertThat(Double.parseDouble(cells[21])).as("the hold's median, in seconds").isPositive();

        String resized = gogo.run("resources:resize --max-total 8 --max-size 5 " + serviceId);
        assertThat(resized).contains("it-controls");
        assertThat(pool.maxTotal()).isEqualTo(8);
        assertThat(pool.maxSize()).isEqualTo(5);
        assertThat(gogo.fail("resources:resize " + serviceId)).hasMessageContaining("--max-total");
        assertThat(gogo.fail("resources:resize --max-total 2 " + serviceId)).hasMessageContaining("maxSize 5");

        assertThat(gogo.run("resources:evict " + serviceId)).contains("it-controls").contains("every object evicted");
        assertThat(disposed).containsExactly(1);
        assertThat(gogo.fail("resources:evict 999999999")).hasMessageContaining("no Pool service has the id 999999999");
    }

    @Test
    void thePoolsMBeanResizesAndEvicts() throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName pools = new ObjectName("cs.resources:type=Pools");
        try (Pool.Lease<Integer> lease = pool.instance()) {
            lease.get();
        }
        CompositeData after = (CompositeData) server.invoke(pools, "setMaxTotal", new Object[] {serviceId, 7},
                new String[] {long.class.getName(), int.class.getName()});
        assertThat(after.get("maxTotal")).isEqualTo(7);
        assertThat(after.get("holdP50Micros")).isNotEqualTo(-1L);
        after = (CompositeData) server.invoke(pools, "setMaxSize", new Object[] {serviceId, 1},
                new String[] {long.class.getName(), int.class.getName()});
        assertThat(after.get("maxSize")).isEqualTo(1);
        after = (CompositeData) server.invoke(pools, "evictAll", new Object[] {serviceId},
                new String[] {long.class.getName()});
        assertThat(after.get("idle")).isEqualTo(0);
        assertThat(after.get("longLeases")).isEqualTo(0L);
        assertThat(disposed).containsExactly(1);
    }
}
