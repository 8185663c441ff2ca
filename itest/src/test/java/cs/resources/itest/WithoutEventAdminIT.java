package cs.resources.itest;

import static org.assertj.core.api.Assertions.assertThat;

import cs.resources.runtime.TaskHandle;
import cs.resources.runtime.TaskService;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

/**
 * The runtime in a framework without EventAdmin (itest-noevents.bndrun, Felix and Equinox): its
 * import of {@code org.osgi.service.event} is optional, so it resolves and starts, the component
 * that would post the task events stays disabled (its class is never loaded), and tasks run as
 * usual. Only this class runs there (tester.names), enabled by a framework property of those
 * runs; in the runs that include EventAdmin it is skipped.
 */
@EnabledIf("noEventsRun")
class WithoutEventAdminIT {
    static final long TIMEOUT = 10_000;

    @InjectService(timeout = TIMEOUT)
    TaskService tasks;

    @InjectService(timeout = TIMEOUT)
    ServiceComponentRuntime scr;

    @InjectBundleContext
    BundleContext context;

    /** The framework property itest-noevents.bndrun sets: this class's runs. */
    static final String RUN_PROPERTY = "cs.resources.itest.noevents";

    /** @return whether this is one of the runs without EventAdmin (not a run that merely lacks it) */
    static boolean noEventsRun() {
        BundleContext bc = FrameworkUtil.getBundle(WithoutEventAdminIT.class).getBundleContext();
        return "true".equals(bc.getProperty(RUN_PROPERTY));
    }

    private Bundle bundle(String symbolicName) {
        return Arrays.stream(context.getBundles()).filter(b -> symbolicName.equals(b.getSymbolicName())).findFirst()
                .orElse(null);
    }

    @Test
    void theRuntimeResolvesAndRunsTasksWithoutEventAdmin() throws Exception {
        assertThat(bundle("org.apache.felix.eventadmin")).as("EventAdmin is not installed in this run").isNull();
        Bundle impl = bundle("cs.resources.impl");
        assertThat(impl.getState()).isEqualTo(Bundle.ACTIVE);
        BundleWiring wiring = impl.adapt(BundleWiring.class);
        assertThat(wiring.getRequiredWires(PackageNamespace.PACKAGE_NAMESPACE)).as("no wire to org.osgi.service.event")
                .noneMatch(w -> "org.osgi.service.event".equals(
                        w.getCapability().getAttributes().get(PackageNamespace.PACKAGE_NAMESPACE)));

        ComponentDescriptionDTO events = scr.getComponentDescriptionDTO(impl, "cs.resources.impl.EventAdminTaskEvents");
        assertThat(events).as("the event component is declared").isNotNull();
        assertThat(scr.isComponentEnabled(events)).as("and left disabled").isFalse();

        TaskHandle<String> h = tasks.submit("it-no-events", () -> "ran");
        assertThat(h.get(TIMEOUT, TimeUnit.MILLISECONDS)).isEqualTo("ran");
    }
}
