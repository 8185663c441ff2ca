package cs.resources.impl;

import cs.resources.LeakDetection;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Switches {@link LeakDetection} through Configuration Admin (PID {@value #PID}): present only while
 * that configuration exists; when it goes, detection returns to what it was before (the system
 * property {@value LeakDetection#PROPERTY}, or off).
 */
@Designate(ocd = LeakDetectionConfig.Config.class)
// Registered as a service of its own class only to tell, by its properties, that a configuration
// was applied (the itests wait for it); immediate, so that it applies the configuration at once.
@Component(configurationPid = LeakDetectionConfig.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = LeakDetectionConfig.class, immediate = true)
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

    @Activate
    public LeakDetectionConfig(Config config) {
        before = LeakDetection.isEnabled();
        LeakDetection.setEnabled(config.enabled());
    }

    @Modified
    void modified(Config config) {
        LeakDetection.setEnabled(config.enabled());
    }

    @Deactivate
    void deactivate() {
        LeakDetection.setEnabled(before);
    }
}
