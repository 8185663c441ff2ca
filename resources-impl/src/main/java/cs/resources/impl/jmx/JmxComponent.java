package cs.resources.impl.jmx;

import cs.resources.runtime.ResourcesRuntime;
import java.lang.System.Logger.Level;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.management.DynamicMBean;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import javax.management.StandardMBean;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Publishes the runtime as three MXBeans in domain {@value #DOMAIN}: {@value #RUN_STATES} (list,
 * cancel), {@value #MULTI_OPENS} (open counts) and {@value #POOLS} (statistics), in one of two
 * ways, never both:
 *
 * <ul>
 *   <li><b>whiteboard</b>: as OSGi services carrying a {@code jmx.objectname} property, which a JMX
 *       whiteboard (Apache Aries JMX, as in Karaf) registers with the MBean servers it tracks, and
 *       whose access Karaf's JMX ACL guards;</li>
 *   <li><b>platform</b>: registered directly with the JVM's platform MBean server (plain Felix).</li>
 * </ul>
 *
 * <p>Configuration {@value #PID} chooses ({@link Mode}); by default ({@link Mode#AUTO}) the
 * whiteboard when an {@link MBeanServer} is registered as an OSGi service, the sign of an
 * OSGi-managed JMX, and the platform server otherwise. The reference to that service is static and
 * greedy, so its arrival or departure reactivates the component: deactivation unregisters
 * everything before activation registers anew. A changed configuration reactivates it too.
 */
@Designate(ocd = JmxComponent.Config.class)
@Component(configurationPid = JmxComponent.PID, immediate = true, service = {})
public final class JmxComponent {

    /** The configuration PID. */
    public static final String PID = "cs.resources.jmx";
    /** The JMX domain of every MBean of cs.resources. */
    public static final String DOMAIN = "cs.resources";
    /** The ObjectName of {@link RunStatesMXBean}. */
    public static final String RUN_STATES = DOMAIN + ":type=RunStates";
    /** The ObjectName of {@link MultiOpensMXBean}. */
    public static final String MULTI_OPENS = DOMAIN + ":type=MultiOpens";
    /** The ObjectName of {@link PoolsMXBean}. */
    public static final String POOLS = DOMAIN + ":type=Pools";
    /** The service property by which a JMX whiteboard finds MBean services. */
    static final String JMX_OBJECTNAME = "jmx.objectname";

    private static final System.Logger LOG = System.getLogger(JmxComponent.class.getName());

    /** How the MBeans are published. */
    public enum Mode {
        /** {@link #WHITEBOARD} if an MBeanServer service is registered, else {@link #PLATFORM}. */
        AUTO,
        /** As services with a {@code jmx.objectname} property, for a JMX whiteboard. */
        WHITEBOARD,
        /** With the platform MBean server. */
        PLATFORM,
        /** Not at all. */
        OFF
    }

    @ObjectClassDefinition(name = "cs.resources JMX",
            description = "Publishes the RunStates, MultiOpen services and pools as MXBeans in domain cs.resources.")
    public @interface Config {
        @AttributeDefinition(name = "Mode", description = "AUTO: through the JMX whiteboard when an MBeanServer"
                + " service is registered (Karaf), else with the platform MBean server; WHITEBOARD; PLATFORM; OFF.")
        Mode mode() default Mode.AUTO;
    }

    /** The mode in effect: never AUTO. */
    private final Mode mode;
    /** What activation registered; deactivation undoes it. Confined to DS's activate/deactivate calls. */
    private final List<ServiceRegistration<?>> services = new ArrayList<>();
    private final List<ObjectName> platformNames = new ArrayList<>();

    @Activate
    public JmxComponent(BundleContext context, Config config,
            @Reference(name = "runtime") ResourcesRuntime runtime,
            @Reference(name = "mbeanServer", cardinality = ReferenceCardinality.OPTIONAL,
                    policyOption = ReferencePolicyOption.GREEDY) MBeanServer osgiMBeanServer) {
        Mode m = config.mode();
        if (m == Mode.AUTO) {
            m = osgiMBeanServer != null ? Mode.WHITEBOARD : Mode.PLATFORM;
        }
        this.mode = m;
        if (m == Mode.OFF) {
            return;
        }
        Map<String, DynamicMBean> beans = new LinkedHashMap<>();
        beans.put(RUN_STATES, new StandardMBean(new RunStates(runtime), RunStatesMXBean.class, true));
        beans.put(MULTI_OPENS, new StandardMBean(new MultiOpens(runtime), MultiOpensMXBean.class, true));
        beans.put(POOLS, new StandardMBean(new Pools(runtime), PoolsMXBean.class, true));
        if (m == Mode.WHITEBOARD) {
            beans.forEach((name, bean) -> {
                Dictionary<String, Object> props = new Hashtable<>();
                props.put(JMX_OBJECTNAME, name);
                services.add(context.registerService(DynamicMBean.class, bean, props));
            });
        } else {
            MBeanServer platform = ManagementFactory.getPlatformMBeanServer();
            beans.forEach((name, bean) -> {
                try {
                    platformNames.add(platform.registerMBean(bean, objectName(name)).getObjectName());
                } catch (JMException e) {
                    // Another framework in this JVM may have published its own: leave it alone.
                    LOG.log(Level.WARNING, "cannot register MBean " + name + " with the platform MBean server", e);
                }
            });
        }
        LOG.log(Level.DEBUG, () -> "cs.resources MBeans published, mode " + mode);
    }

    @Deactivate
    void deactivate() {
        services.forEach(ServiceRegistration::unregister);
        services.clear();
        MBeanServer platform = ManagementFactory.getPlatformMBeanServer();
        for (ObjectName name : platformNames) {
            try {
                platform.unregisterMBean(name);
            } catch (InstanceNotFoundException e) {
                // already gone
            } catch (JMException e) {
                LOG.log(Level.WARNING, "cannot unregister MBean " + name, e);
            }
        }
        platformNames.clear();
    }

    /** @return how the MBeans are published (never AUTO) */
    Mode mode() {
        return mode;
    }

    private static ObjectName objectName(String name) {
        try {
            return new ObjectName(name);
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException(name, e);
        }
    }

    // ------------------------------------------------------------------------------- the beans
    // Stateless views of the runtime; the runtime is thread-safe.

    private static final class RunStates implements RunStatesMXBean {
        private final ResourcesRuntime runtime;

        RunStates(ResourcesRuntime runtime) {
            this.runtime = runtime;
        }

        @Override
        public List<RunStateData> getRunStates() {
            return RunStateData.flatten(runtime.runStates());
        }

        @Override
        public List<RunStateData> listRunStates(boolean includeEnded) {
            return RunStateData.flatten(runtime.runStates(includeEnded));
        }

        @Override
        public List<RunStateData> cancel(String id) {
            return runtime.cancelByIds(List.of(parseId("cancel", id))).stream().map(RunStateData::of).toList();
        }

        @Override
        public List<RunStateData> pause(String id) {
            return runtime.pauseByIds(List.of(parseId("pause", id))).stream().map(RunStateData::of).toList();
        }

        @Override
        public List<RunStateData> resume(String id) {
            return runtime.resumeByIds(List.of(parseId("resume", id))).stream().map(RunStateData::of).toList();
        }
    }

    /**
     * @return the RunState id {@code text} spells in decimal ASCII digits ({@code 0}-{@code 9};
     *     not {@link Character#isDigit}, which takes other scripts' digits too)
     * @throws IllegalArgumentException naming the operation and the text, if it spells none
     */
    static long parseId(String verb, String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException(verb + ": give a RunState id");
        }
        boolean digits = text.length() <= 19 && text.chars().allMatch(c -> c >= '0' && c <= '9');
        if (digits) {
            try {
                return Long.parseLong(text);
            } catch (NumberFormatException tooBig) {
                // below
            }
        }
        throw new IllegalArgumentException(verb + ": " + quote(text) + " is not a RunState id (decimal digits 0-9);"
                + " JMX acts by id only, never by name");
    }

    /** @return {@code s} quoted with its control and other invisible characters escaped */
    private static String quote(String s) {
        String shown = s.length() > 40 ? s.substring(0, 40) + "..." : s;
        return '"' + cs.resources.runtime.Printable.escape(shown).replace("\"", "\\\"") + '"';
    }

    private static final class MultiOpens implements MultiOpensMXBean {
        private final ResourcesRuntime runtime;

        MultiOpens(ResourcesRuntime runtime) {
            this.runtime = runtime;
        }

        @Override
        public List<MultiOpenData> getMultiOpens() {
            return runtime.multiOpens().stream().map(MultiOpenData::of).toList();
        }
    }

    private static final class Pools implements PoolsMXBean {
        private final ResourcesRuntime runtime;

        Pools(ResourcesRuntime runtime) {
            this.runtime = runtime;
        }

        @Override
        public List<PoolData> getPools() {
            return runtime.pools().stream().map(PoolData::of).toList();
        }

        @Override
        public PoolData setMaxTotal(long serviceId, int maxTotal) {
            return PoolData.of(runtime.setPoolMaxTotal(serviceId, maxTotal));
        }

        @Override
        public PoolData setMaxSize(long serviceId, int maxSize) {
            return PoolData.of(runtime.setPoolMaxSize(serviceId, maxSize));
        }

        @Override
        public PoolData evictAll(long serviceId) {
            return PoolData.of(runtime.evictPool(serviceId));
        }
    }
}
