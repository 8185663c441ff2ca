package cs.resources.webconsole;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.Principal;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import javax.security.auth.Subject;
import org.junit.jupiter.api.Test;

/** Who may act, from what a login leaves in the request (Karaf's real login: the Karaf test). */
class AccessTest {

    /** A principal class of our own, named by the role's class:name form. */
    record Role(String getName) implements Principal {
    }

    record Other(String getName) implements Principal {
    }

    static final String ROLE = Role.class.getName() + ":admin";
    final Map<String, Object> attributes = new HashMap<>();

    boolean mayAct(String role) {
        return Access.mayAct(attributes::get, role);
    }

    @Test
    void aJaasSubjectActsOnlyWithThePrincipalOfTheRolesClassAndName() {
        attributes.put(Access.KARAF_SUBJECT, new Subject(true, Set.of(new Role("viewer"), new Other("admin")), Set.of(), Set.of()));
        assertThat(mayAct(ROLE)).isFalse();
        attributes.put(Access.KARAF_SUBJECT, new Subject(true, Set.of(new Role("viewer"), new Role("admin")), Set.of(), Set.of()));
        assertThat(mayAct(ROLE)).isTrue();
        // The default class is Karaf's RolePrincipal: a principal of another class does not count.
        assertThat(mayAct("admin")).isFalse();
    }

    @Test
    void aJaasSubjectWinsOverTheConsolesUserWhichKarafsProviderAlwaysAuthorizes() {
        attributes.put(Access.KARAF_SUBJECT, new Subject());
        attributes.put(Access.LEGACY_CONSOLE_USER, (Object) null);
        assertThat(mayAct("admin")).isFalse();
    }

    @Test
    void withoutASubjectTheConsolesUserDecides() {
        attributes.put(Access.CONSOLE_USER, new org.apache.felix.webconsole.servlet.User() {
            @Override
            public Object getUserObject() {
                return "someone";
            }

            @Override
            public boolean authorize(String role) {
                return role.equals("operator");
            }
        });
        assertThat(mayAct("operator")).isTrue();
        assertThat(mayAct("admin")).isFalse();
        // With class:name, the console is asked about the name.
        assertThat(mayAct("com.acme.Role:operator")).isTrue();
    }

    @Test
    void aUserObjectThatIsNotTheConsolesIsRefused() {
        attributes.put(Access.CONSOLE_USER, "just a name");
        assertThat(mayAct("admin")).isFalse();
    }

    /** Neither a Karaf subject nor a Web Console user: it failed open before; now nobody acts. */
    @Test
    void withNeitherASubjectNorAConsoleUserNobodyMayAct() {
        assertThat(mayAct("admin")).isFalse();
        assertThat(Access.refusal(attributes::get, "admin")).isEqualTo("the console passed no login to this page"
                + " (no Karaf subject, no Web Console user), so nobody may act");
        attributes.put("some.other.attribute", "x");
        assertThat(mayAct("admin")).isFalse();
    }

    @Test
    void theRefusalSaysWhy() {
        attributes.put(Access.KARAF_SUBJECT, new Subject(true, Set.of(new Role("viewer")), Set.of(), Set.of()));
        assertThat(Access.refusal(attributes::get, ROLE)).isEqualTo("your login does not have the role " + ROLE);
        attributes.clear();
        attributes.put(Access.CONSOLE_USER, "just a name");
        assertThat(Access.refusal(attributes::get, "admin"))
                .isEqualTo("the Web Console's login cannot be asked for roles (see the log)");
    }
}
