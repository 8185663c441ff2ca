package cs.resources.webconsole;

import java.lang.reflect.Method;
import java.security.Principal;
import java.util.function.Function;
import javax.security.auth.Subject;

/**
 * Who may act on the page. The Web Console itself admits or refuses a login and knows no roles
 * for its pages; this decides, from what the login left in the request, whether its user has the
 * admin role ({@link ConsoleConfig#adminRole()}):
 *
 * <ol>
 *   <li>Karaf: its web console logs in through JAAS and puts the {@link Subject} in request
 *       attribute {@value #KARAF_SUBJECT}; the user may act if the subject holds a principal of
 *       the role's class ({@value #KARAF_ROLE_PRINCIPAL} unless the role says {@code class:name})
 *       and name. Karaf's groups give their roles as such principals.</li>
 *   <li>Otherwise the Web Console's user object, {@value #CONSOLE_USER} (Web Console 5) or
 *       {@value #LEGACY_CONSOLE_USER} (4.x): its {@code authorize(role)} decides, which the
 *       console hands to its security provider (the built-in one says yes: it knows one user).</li>
 *   <li>A request with neither: nobody may act. The page cannot tell a console without
 *       authentication from a login it does not know how to read, and it fails closed.</li>
 * </ol>
 */
public final class Access {
    private Access() {
    }

    /** Where Karaf's web console puts the JAAS subject of the login. */
    public static final String KARAF_SUBJECT = "karaf.subject.runas";
    /** Karaf's role principal class. */
    public static final String KARAF_ROLE_PRINCIPAL = "org.apache.karaf.jaas.boot.principal.RolePrincipal";
    /** The Web Console 5 user. */
    public static final String CONSOLE_USER = "org.apache.felix.webconsole.servlet.User";
    /** The Web Console 4 user. */
    public static final String LEGACY_CONSOLE_USER = "org.apache.felix.webconsole.User";

    private static final System.Logger LOG = System.getLogger(Access.class.getName());

    /**
     * @param attributes the request's attributes
     * @param adminRole a role name, or {@code principal-class:name}
     * @return whether the caller may act
     */
    public static boolean mayAct(Function<String, Object> attributes, String adminRole) {
        return refusal(attributes, adminRole) == null;
    }

    /**
     * @param attributes the request's attributes
     * @param adminRole a role name, or {@code principal-class:name}
     * @return why the caller may not act, for the page to say; null if it may
     */
    public static String refusal(Function<String, Object> attributes, String adminRole) {
        String roleClass = KARAF_ROLE_PRINCIPAL;
        String roleName = adminRole;
        int colon = adminRole.indexOf(':');
        if (colon > 0) {
            roleClass = adminRole.substring(0, colon);
            roleName = adminRole.substring(colon + 1);
        }
        String lacking = "your login does not have the role " + adminRole;
        if (attributes.apply(KARAF_SUBJECT) instanceof Subject subject) {
            for (Principal p : subject.getPrincipals()) {
                if (p.getClass().getName().equals(roleClass) && roleName.equals(p.getName())) {
                    return null;
                }
            }
            return lacking;
        }
        for (String attribute : new String[] {CONSOLE_USER, LEGACY_CONSOLE_USER}) {
            // Web Console 5 puts one user under both names; it implements both interfaces.
            Object user = attributes.apply(attribute);
            if (user != null) {
                Boolean authorized = authorize(user, roleName);
                return authorized == null ? "the Web Console's login cannot be asked for roles (see the log)"
                        : authorized ? null : lacking;
            }
        }
        return "the console passed no login to this page (no Karaf subject, no Web Console user), so nobody may act";
    }

    /**
     * Calls {@code authorize(String)} through the console's public interface of that name.
     *
     * @return its answer; null if it cannot be asked (logged)
     */
    private static Boolean authorize(Object user, String role) {
        Class<?> api = consoleInterface(user.getClass());
        if (api == null) {
            LOG.log(System.Logger.Level.WARNING, "the Web Console's user object is a " + user.getClass().getName()
                    + ", not a " + CONSOLE_USER + "; refusing the action");
            return null;
        }
        try {
            Method m = api.getMethod("authorize", String.class);
            return Boolean.TRUE.equals(m.invoke(user, role));
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot ask the Web Console whether its user has role "
                    + role + "; refusing the action", e);
            return null;
        }
    }

    /** The console's user interface that {@code type} implements, directly or not; null if none. */
    private static Class<?> consoleInterface(Class<?> type) {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            for (Class<?> i : c.getInterfaces()) {
                if (i.getName().equals(CONSOLE_USER) || i.getName().equals(LEGACY_CONSOLE_USER)) {
                    return i;
                }
                Class<?> inherited = consoleInterface(i);
                if (inherited != null) {
                    return inherited;
                }
            }
        }
        return null;
    }
}
