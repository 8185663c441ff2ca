package cs.resources.webconsole;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration {@value #PID}: the Web Console page and its history. */
@ObjectClassDefinition(name = "cs.resources Web Console page",
        description = "The Resources page of the Felix Web Console: refresh, history of the pool charts, who may act.")
public @interface ConsoleConfig {

    /** The configuration PID. */
    String PID = "cs.resources.webconsole";

    /** @return seconds between two automatic refreshes of the page */
    @AttributeDefinition(name = "Refresh (s)", description = "Seconds between two automatic refreshes of the page; 0: no automatic refresh.")
    int refreshSeconds() default 5;

    /** @return seconds between two samples of the pools */
    @AttributeDefinition(name = "Sample every (s)", description = "Seconds between two samples of the pools for the charts.")
    int sampleSeconds() default 5;

    /** @return how many minutes of samples to keep */
    @AttributeDefinition(name = "History (min)", description = "Minutes of pool samples kept in memory for the charts.")
    int historyMinutes() default 10;

    /** @return the role that may cancel, pause and resume, as Karaf's web console names roles */
    @AttributeDefinition(name = "Admin role", description = "The role that may cancel, pause and resume RunStates:"
            + " a role name, or principal-class:name as in Karaf's org.apache.karaf.webconsole role. Checked against"
            + " Karaf's JAAS login, or the Web Console's security provider; a console without one lets whoever it"
            + " admits act.")
    String adminRole() default "admin";

    /** @return whether nobody may act */
    @AttributeDefinition(name = "Read only", description = "Show no actions to anyone, and refuse them.")
    boolean readOnly() default false;
}
