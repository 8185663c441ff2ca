package cs.resources.jolokia;

import java.lang.System.Logger.Level;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.management.JMException;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.jolokia.restrictor.Restrictor;
import org.jolokia.util.HttpMethod;
import org.jolokia.util.RequestType;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Karaf's JMX ACL for what a user calls through Jolokia's OSGi agent (jolokia-osgi 1.x, configured
 * with {@code org.jolokia.authMode = jaas} and {@code org.jolokia.useRestrictorService = true}):
 * before Jolokia reads or writes an attribute or invokes an operation, this asks Karaf's
 * JMXSecurityMBean ({@value #SECURITY_MBEANS}) whether the user may, and Jolokia refuses what it may
 * not (status 403 in its answer).
 *
 * <p>Why it is needed: Karaf 4.4 applies its JMX ACL ({@code etc/jmx.acl*.cfg}) in its RMI
 * connector only, whose MBeanServer is a proxy through Karaf's guard; Jolokia calls the MBeanServer
 * itself, which has no guard, so a JAAS login alone changes nothing. In JAAS mode Jolokia runs each
 * request as the logged-in {@code Subject} ({@code Subject.doAs}), restrictor checks included, and
 * the JMXSecurityMBean judges the calling thread's Subject with the guard's own rules: the decision
 * is Karaf's, on the same ACL and roles as over RMI. No rule of its own is here.
 *
 * <p>What it cannot see: Jolokia gives a restrictor the operation's name (and its signature if the
 * client gave one), never the arguments, so an ACL rule keyed on argument values counts, as in
 * Karaf's own {@code canInvoke}, as allowing the operation to the roles it names.
 *
 * <p>It fails closed: with no JMXSecurityMBean, no Subject (Jolokia not in JAAS mode), an MBean or
 * attribute that is not there, an operation it cannot parse, or any exception, the answer is no.
 * Request types, HTTP methods, remote hosts and origins are not its business: allowed, as Jolokia
 * allows them without a policy.
 */
@Component(service = Restrictor.class, property = "service.description=cs.resources: Karaf's JMX ACL applied to Jolokia")
public final class KarafAclRestrictor implements Restrictor {

    /** Karaf's JMXSecurityMBean (bundle org.apache.karaf.management.server), {@code name} being Karaf's name. */
    static final String SECURITY_MBEANS = "org.apache.karaf:type=security,area=jmx,*";

    private static final System.Logger LOG = System.getLogger(KarafAclRestrictor.class.getName());
    private static final String STRING = String.class.getName();
    private static final String[] BY_NAME = {STRING, STRING};
    private static final String[] BY_SIGNATURE = {STRING, STRING, String[].class.getName()};

    private final MBeanServer server;
    private final ObjectName securityMBeans;
    private final AtomicBoolean warnedNoGuard = new AtomicBoolean();

    /**
     * @param server the MBeanServer Jolokia calls (Karaf registers it as a service)
     */
    @Activate
    public KarafAclRestrictor(@Reference MBeanServer server) {
        this.server = server;
        try {
            this.securityMBeans = new ObjectName(SECURITY_MBEANS);
        } catch (JMException e) {
            throw new IllegalStateException(SECURITY_MBEANS, e);
        }
    }

    @Override
    public boolean isAttributeReadAllowed(ObjectName name, String attribute) {
        try {
            MBeanAttributeInfo info = attribute(name, attribute);
            return info != null && info.isReadable()
                    && canInvoke(name, (info.isIs() ? "is" : "get") + attribute, new String[0]);
        } catch (JMException | RuntimeException e) {
            return refused("read " + attribute, name, e);
        }
    }

    @Override
    public boolean isAttributeWriteAllowed(ObjectName name, String attribute) {
        try {
            MBeanAttributeInfo info = attribute(name, attribute);
            return info != null && info.isWritable() && canInvoke(name, "set" + attribute, new String[] {info.getType()});
        } catch (JMException | RuntimeException e) {
            return refused("write " + attribute, name, e);
        }
    }

    @Override
    public boolean isOperationAllowed(ObjectName name, String operation) {
        Operation op = Operation.parse(operation);
        if (op == null) {
            LOG.log(Level.DEBUG, () -> "refused: operation \"" + operation + "\" of " + name + " is not name or name(type,...)");
            return false;
        }
        try {
            return canInvoke(name, op.name(), op.types() == null ? null : op.types().toArray(new String[0]));
        } catch (JMException | RuntimeException e) {
            return refused("invoke " + operation, name, e);
        }
    }

    @Override
    public boolean isHttpMethodAllowed(HttpMethod method) {
        return true;
    }

    @Override
    public boolean isTypeAllowed(RequestType type) {
        return true;
    }

    @Override
    public boolean isRemoteAccessAllowed(String... hostOrAddress) {
        return true;
    }

    @Override
    public boolean isOriginAllowed(String origin, boolean onlyWhenStrictCheckingIsEnabled) {
        return true;
    }

    private MBeanAttributeInfo attribute(ObjectName name, String attribute) throws JMException {
        if (name == null || attribute == null || name.isPattern()) {
            return null;
        }
        for (MBeanAttributeInfo info : server.getMBeanInfo(name).getAttributes()) {
            if (info.getName().equals(attribute)) {
                return info;
            }
        }
        return null;
    }

    /**
     * Asks every JMXSecurityMBean (Karaf has one) as the calling thread's Subject.
     *
     * @param types the signature, or null for any overload
     */
    private boolean canInvoke(ObjectName name, String method, String[] types) throws JMException {
        if (name == null || name.isPattern()) {
            return false;
        }
        Set<ObjectName> guards = server.queryNames(securityMBeans, null);
        if (guards.isEmpty()) {
            if (warnedNoGuard.compareAndSet(false, true)) {
                LOG.log(Level.WARNING, "cs.resources.jolokia: no MBean " + SECURITY_MBEANS
                        + " (Karaf's JMX ACL) in this MBeanServer: Jolokia is refused every read, write and operation");
            }
            return false;
        }
        for (ObjectName guard : guards) {
            Object allowed = types == null
                    ? server.invoke(guard, "canInvoke", new Object[] {name.getCanonicalName(), method}, BY_NAME)
                    : server.invoke(guard, "canInvoke", new Object[] {name.getCanonicalName(), method, types}, BY_SIGNATURE);
            if (!Boolean.TRUE.equals(allowed)) {
                return false;
            }
        }
        return true;
    }

    private static boolean refused(String what, ObjectName name, Exception e) {
        LOG.log(Level.DEBUG, () -> "refused: " + what + " of " + name + ": Karaf's ACL could not be asked", e);
        return false;
    }
}
