package cs.resources.impl;

import cs.resources.LeakDetection;
import java.util.Dictionary;
import java.util.Hashtable;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Switches {@link LeakDetection} through Configuration Admin (PID {@value #PID}): active only while
 * that configuration exists; when it goes, detection returns to what it was before (the system
 * property {@value LeakDetection#PROPERTY}, or off).
 *
 * <p>It registers itself as a service, with property {@code enabled}, after it has applied the
 * configuration, and unregisters it after it has restored the previous setting: whoever watches
 * that service sees the setting in force. (A service declared to Declarative Services would be
 * unregistered before the deactivation that restores it.)
 */
@Designate(ocd = LeakDetectionConfig.Config.class)
@Component(configurationPid = LeakDetectionConfig.PID, configurationPolicy = ConfigurationPolicy.REQUIRE, service = {})
public final class LeakDetectionConfig {

    /** The configuration PID. */
    public static final String PID = "cs.resources.leaks";

    @ObjectClassDefinition(name = "cs.resources leak detection",
            description = "Records who opens MultiOpens and leases from Pools, reports those never closed,"
                    + " and lets resources:opens -v and resources:pools -v show the holders. Costs a stack capture"
                    + " per open and lease: a debugging aid.")
    public @interface Config {
        @AttributeDefinition(name = "Enabled", description = "Record opens and leases.")
        boolean enabled() default true;
    }

    private final boolean before;
    private final ServiceRegistration<LeakDetectionConfig> registration;

    @Activate
    public LeakDetectionConfig(BundleContext context, Config config) {
        before = LeakDetection.isEnabled();
        LeakDetection.setEnabled(config.enabled());
        registration = context.registerService(LeakDetectionConfig.class, this, properties(config));
    }

    @Modified
    void modified(Config config) {
        LeakDetection.setEnabled(config.enabled());
        registration.setProperties(properties(config));
    }

    @Deactivate
    void deactivate() {
        LeakDetection.setEnabled(before);
        registration.unregister();
    }

    private static Dictionary<String, Object> properties(Config config) {
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("enabled", config.enabled());
        return props;
    }
}
