package cs.resources.launcher.console;

import java.io.IOException;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationEvent;
import org.osgi.service.cm.ConfigurationListener;

/**
 * Makes the configurations created at the console usable. Felix Configuration Admin offers itself
 * as Gogo commands (scope {@code cm}), and {@code cm:getconfiguration cs.resources.leaks} binds
 * the configuration it creates to the bundle that calls Configuration Admin, Gogo's runtime: the
 * component the configuration is meant for never receives it, silently. This listener rebinds a
 * configuration bound to Gogo's runtime to {@code "?"} (any bundle may receive it, as for a
 * configuration file in the deploy folder), whereupon Configuration Admin and SCR deliver it.
 */
final class ConsoleConfigurations implements ConfigurationListener {

    private final BundleContext context;
    private final String gogoLocation;

    /** @param gogoLocation the location of Gogo's runtime bundle, which the console's commands call through */
    ConsoleConfigurations(BundleContext context, String gogoLocation) {
        this.context = context;
        this.gogoLocation = gogoLocation;
    }

    @Override
    public void configurationEvent(ConfigurationEvent event) {
        if (event.getType() != ConfigurationEvent.CM_UPDATED
                && event.getType() != ConfigurationEvent.CM_LOCATION_CHANGED) {
            return;
        }
        ServiceReference<ConfigurationAdmin> ref = event.getReference();
        ConfigurationAdmin admin = ref == null ? null : context.getService(ref);
        if (admin == null) {
            return;
        }
        try {
            Configuration[] found = admin.listConfigurations("(service.pid=" + event.getPid() + ")");
            if (found != null) {
                for (Configuration c : found) {
                    if (gogoLocation.equals(c.getBundleLocation())) {
                        c.setBundleLocation("?");
                    }
                }
            }
        } catch (IOException | org.osgi.framework.InvalidSyntaxException | IllegalStateException e) {
            // deleted meanwhile, or Configuration Admin is stopping: nothing to rebind
        } finally {
            context.ungetService(ref);
        }
    }
}
