package cs.resources.itest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cs.resources.LeakDetection;
import cs.resources.MultiOpen;
import cs.resources.Openable;
import cs.resources.Pool;
import cs.resources.runtime.ResourcesRuntime;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.felix.service.command.CommandProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceListener;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

/** Leak detection switched on through Configuration Admin, and its holders in the runtime and the shell. */
class LeakDetectionIT {
    static final long TIMEOUT = 10_000;
    static final String PID = "cs.resources.leaks";

    @InjectService(timeout = TIMEOUT)
    ConfigurationAdmin configAdmin;

    @InjectService(timeout = TIMEOUT)
    ResourcesRuntime runtime;

    @InjectService(timeout = TIMEOUT)
    CommandProcessor processor;

    @InjectBundleContext
    BundleContext context;

    /** The component that applies the configuration registers a service: this is its objectClass. */
    static final String APPLIED = "(objectClass=cs.resources.impl.LeakDetectionConfig)";

    Configuration config;

    @BeforeEach
    void switchOn() throws Exception {
        assertThat(LeakDetection.isEnabled()).as("off by default").isFalse();
        config = configAdmin.getConfiguration(PID, "?");
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("enabled", true);
        awaitService(ServiceEvent.REGISTERED, () -> config.update(props));
        assertThat(LeakDetection.isEnabled()).isTrue();
    }

    @AfterEach
    void switchOff() throws Exception {
        awaitService(ServiceEvent.UNREGISTERING, config::delete);
        assertThat(LeakDetection.isEnabled()).as("back to what it was").isFalse();
    }

    interface Action {
        void run() throws Exception;
    }

    /** Runs {@code action} and waits for the configuration component's service event of {@code type}. */
    private void awaitService(int type, Action action) throws Exception {
        CountDownLatch seen = new CountDownLatch(1);
        ServiceListener listener = e -> {
            if (e.getType() == type) {
                seen.countDown();
            }
        };
        context.addServiceListener(listener, APPLIED);
        try {
            action.run();
            assertThat(seen.await(TIMEOUT, TimeUnit.MILLISECONDS)).as("service event " + type + " of " + APPLIED).isTrue();
        } finally {
            context.removeServiceListener(listener);
        }
    }

    @Test
    void holdersOfPoolsAndMultiOpensAreListedWithTheirThreadAndCaller() throws Exception {
        Pool<StringBuilder> pool = Pool.builder(StringBuilder::new).name("leak-pool").build();
        ServiceRegistration<?> poolReg = context.registerService(Pool.class, pool, null);
        long poolId = (Long) poolReg.getReference().getProperty("service.id");
        Pool.Lease<StringBuilder> a = pool.instance();
        Pool.Lease<StringBuilder> b = pool.instance();

        MultiOpen mo = MultiOpen.of(new Openable() {
            @Override
            public void open() {
            }

            @Override
            public void close() {
            }
        });
        ServiceRegistration<?> moReg = context.registerService(MultiOpen.class, mo, null);
        long moId = (Long) moReg.getReference().getProperty("service.id");
        Thread opener = new Thread(mo::open, "leak-opener");
        opener.start();
        opener.join();

        List<LeakDetection.Holder> leases = runtime.holders(poolId);
        assertThat(leases).hasSize(2).allSatisfy(h -> {
            assertThat(h.kind()).isEqualTo("lease");
            assertThat(h.opener()).contains("LeakDetectionIT.holdersOfPoolsAndMultiOpensAreListed");
        });
        assertThat(runtime.holders(moId)).singleElement().satisfies(h -> {
            assertThat(h.kind()).isEqualTo("open");
            assertThat(h.thread()).isEqualTo("leak-opener");
        });

        try (Gogo gogo = new Gogo(processor)) {
            String pools = gogo.run("resources:pools -v");
            assertThat(pools.lines().filter(l -> l.contains("lease") && l.contains("LeakDetectionIT"))).hasSize(2);
            assertThat(pools).contains("SERVICE", "HELD", "THREAD", "SINCE", "BY");
            String opens = gogo.run("resources:opens -v");
            assertThat(opens.lines().filter(l -> l.contains("open") && l.contains("leak-opener"))).hasSize(1);
            String plain = gogo.run("resources:opens -v -p");
            assertThat(plain.lines().filter(l -> l.startsWith(moId + "\topen\tleak-opener\t"))).hasSize(1);
        }

        a.close();
        b.close();
        mo.close();
        assertThat(runtime.holders(poolId)).isEmpty();
        assertThat(runtime.holders(moId)).isEmpty();
        assertThatThrownBy(() -> runtime.holders(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("no MultiOpen or Pool service has the id -1");
    }
}
