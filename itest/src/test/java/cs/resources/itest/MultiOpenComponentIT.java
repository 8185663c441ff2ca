package cs.resources.itest;

import static org.assertj.core.api.Assertions.assertThat;

import cs.resources.MultiOpen;
import cs.resources.runtime.MultiOpenInfo;
import cs.resources.runtime.ResourcesRuntime;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.FrameworkUtil;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.test.common.annotation.InjectBundleInstaller;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.common.install.BundleInstaller;
import org.osgi.test.common.service.ServiceAware;

/**
 * The mapping the runtime is built on: a DS component on AbstractMultiOpen opens on activate and
 * retires on deactivate; opens held by a consumer in another bundle, in several threads, keep it
 * alive past its deactivation; shutdown runs when the last of them closes; a late consumer gets
 * ClosedException; reactivation is a fresh instance with a fresh startup.
 */
class MultiOpenComponentIT {
    static final long TIMEOUT = 10_000;

    @InjectService(timeout = TIMEOUT)
    ServiceComponentRuntime scr;

    @InjectService(timeout = TIMEOUT)
    ResourcesRuntime runtime;

    @InjectService(cardinality = 0, filter = "(cs.resources.itest.role=provider)")
    ServiceAware<MultiOpen> provider;

    @InjectService(cardinality = 0, filter = "(cs.resources.itest=consumer)")
    @SuppressWarnings("rawtypes")
    ServiceAware<Function> consumer;

    @InjectBundleInstaller
    BundleInstaller installer;

    ComponentDescriptionDTO description;

    @BeforeEach
    void enableProvider() throws Exception {
        Bundle self = FrameworkUtil.getBundle(Provider.class);
        description = scr.getComponentDescriptionDTO(self, Provider.class.getName());
        scr.enableComponent(description).getValue();
    }

    @AfterEach
    void disableProvider() throws Exception {
        scr.disableComponent(description).getValue();
    }

    @SuppressWarnings("unchecked")
    private Function<String, String> control() throws InterruptedException {
        Function<String, String> f = consumer.waitForService(TIMEOUT);
        assertThat(f).as("the consumer bundle's control service").isNotNull();
        return f;
    }

    @Test
    void consumersOpensKeepADeactivatedComponentAliveUntilTheLastClose() throws Exception {
        MultiOpen first = provider.waitForService(TIMEOUT);
        assertThat(first).isNotNull();
        int startups = Provider.STARTUPS.get();
        int shutdowns = Provider.SHUTDOWNS.get();
        assertThat(first.isOpen()).isTrue();
        assertThat(first.openCount()).isEqualTo(1);

        installer.installBundle("tb/consumer.jar");
        Function<String, String> control = control();
        assertThat(control.apply("hold 3")).isEqualTo("held 3");
        assertThat(first.openCount()).isEqualTo(4);
        assertThat(runtime.multiOpens()).filteredOn(m -> m.className().equals(Provider.class.getName()))
                .singleElement()
                .satisfies(m -> {
                    assertThat(m.openCount()).isEqualTo(4);
                    assertThat(m.phase()).isEqualTo(MultiOpenInfo.Phase.OPEN);
                    assertThat(m.bundle()).isEqualTo("cs.resources.itest.tests");
                });

        // Deactivate while the consumer's three threads hold it open: no shutdown yet.
        scr.disableComponent(description).getValue();
        assertThat(provider.isEmpty()).as("service unregistered").isTrue();
        assertThat(Provider.SHUTDOWNS.get()).isEqualTo(shutdowns);
        assertThat(first.openCount()).isEqualTo(3);
        assertThat(first.isOpen()).isTrue();
        // A consumer's view of a service that went away takes no new open, before anything runs.
        assertThat(control.apply("open")).startsWith("ClosedException: ").contains("unregistered the service");
        assertThat(Provider.STARTUPS.get()).isEqualTo(startups);

        assertThat(control.apply("release")).isEqualTo("released");
        assertThat(control.apply("release")).isEqualTo("released");
        assertThat(Provider.SHUTDOWNS.get()).isEqualTo(shutdowns);
        assertThat(first.openCount()).isEqualTo(1);

        // The last close runs the shutdown, in the consumer's thread.
        assertThat(control.apply("release")).isEqualTo("released");
        assertThat(Provider.SHUTDOWNS.get()).isEqualTo(shutdowns + 1);
        assertThat(Provider.lastShutdownThread).startsWith("consumer-holder-");
        assertThat(first.isClosed()).isTrue();
        assertThat(first.openCount()).isZero();

        // A late consumer: the retired instance never starts again.
        assertThat(control.apply("open")).startsWith("ClosedException: ");
        assertThat(Provider.STARTUPS.get()).isEqualTo(startups);

        // Reactivation: Declarative Services makes a fresh instance, which starts up afresh.
        scr.enableComponent(description).getValue();
        MultiOpen second = provider.waitForService(TIMEOUT);
        assertThat(second).isNotNull().isNotSameAs(first);
        assertThat(Provider.STARTUPS.get()).isEqualTo(startups + 1);
        assertThat(second.openCount()).isEqualTo(1);
        assertThat(control.apply("open")).isEqualTo("opened");
        assertThat(first.isClosed()).isTrue();
    }

    @Test
    void withoutConsumersDeactivationShutsDownAtOnce() throws Exception {
        MultiOpen mo = provider.waitForService(TIMEOUT);
        int shutdowns = Provider.SHUTDOWNS.get();
        scr.disableComponent(description).getValue();
        assertThat(Provider.SHUTDOWNS.get()).isEqualTo(shutdowns + 1);
        assertThat(mo.isClosed()).isTrue();
        assertThat(mo.join(java.time.Duration.ZERO)).isTrue();
    }

    @Test
    void consumerBundleStoppedReleasesItsOpens() throws Exception {
        MultiOpen mo = provider.waitForService(TIMEOUT);
        Bundle tb = installer.installBundle("tb/consumer.jar");
        assertThat(control().apply("hold 2")).isEqualTo("held 2");
        assertThat(mo.openCount()).isEqualTo(3);
        mo.open(); // this bundle's own, held across the deactivation
        int shutdowns = Provider.SHUTDOWNS.get();
        scr.disableComponent(description).getValue();
        assertThat(Provider.SHUTDOWNS.get()).isEqualTo(shutdowns);

        // The consumer's deactivation releases its holders, whose closes end the provider.
        Thread watcher = new Thread(mo::join);
        watcher.start();
        tb.stop();
        mo.close(); // ours is the last close, unless a holder was slower: either way exactly one shutdown
        watcher.join(TIMEOUT);
        assertThat(watcher.isAlive()).as("join() returned after the final close").isFalse();
        assertThat(mo.isClosed()).isTrue();
        assertThat(Provider.SHUTDOWNS.get()).isEqualTo(shutdowns + 1);
    }
}
