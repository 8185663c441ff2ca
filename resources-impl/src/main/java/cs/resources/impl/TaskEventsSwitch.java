package cs.resources.impl;

import java.lang.System.Logger.Level;
import org.osgi.framework.Bundle;
import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * Enables {@link EventAdminTaskEvents} when this bundle is wired to {@code org.osgi.service.event}
 * (an optional import). It starts disabled: enabled without the package, SCR would load its class
 * as soon as an EventAdmin service appeared (a service is visible whatever the registrant's
 * wiring) and log a {@code NoClassDefFoundError}. The wiring is fixed when the bundle resolves: an
 * EventAdmin installed later counts after a refresh of this bundle.
 */
@Component(service = {}, immediate = true)
public final class TaskEventsSwitch {

    /** The package the events need. */
    static final String EVENT_PACKAGE = "org.osgi.service.event";

    private static final System.Logger LOG = System.getLogger(TaskEventsSwitch.class.getName());

    /**
     * @param context to enable the component with
     */
    @Activate
    public TaskEventsSwitch(ComponentContext context) {
        boolean wired = wired(context.getBundleContext().getBundle(), EVENT_PACKAGE);
        if (wired) {
            context.enableComponent(EventAdminTaskEvents.NAME);
        }
        LOG.log(Level.DEBUG, () -> "task events through EventAdmin: " + (wired ? "on" : "off, " + EVENT_PACKAGE
                + " is not wired"));
    }

    /** @return whether {@code bundle} imports {@code pkg} through a wire */
    static boolean wired(Bundle bundle, String pkg) {
        BundleWiring wiring = bundle.adapt(BundleWiring.class);
        if (wiring == null) {
            return false;
        }
        for (BundleWire w : wiring.getRequiredWires(PackageNamespace.PACKAGE_NAMESPACE)) {
            if (pkg.equals(w.getCapability().getAttributes().get(PackageNamespace.PACKAGE_NAMESPACE))) {
                return true;
            }
        }
        return false;
    }
}
