package cs.resources.webconsole.health;

import cs.resources.runtime.ResourcesRuntime;
import cs.resources.runtime.RunStateInfo;
import cs.resources.webconsole.Sampler;
import cs.resources.webconsole.Snapshot;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.apache.felix.hc.api.FormattingResultLog;
import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * A Felix Health Check (name and tag {@code cs.resources} by default): {@code CRITICAL} for a
 * MultiOpen service whose last startup failed, {@code WARN} for a pool with waiters or timeouts
 * within the pool window and for a RunState stopping longer than the threshold, {@code OK}
 * otherwise; one result log line per finding ({@link HealthRules}). Configuration {@value #PID}.
 * Enabled by {@code ConsoleSelector} only where the Health Check API is wired.
 *
 * <p>Immediate: how long a RunState has been stopping is what the {@link Sampler} saw, so it must
 * watch all along. Delayed, this component (and with it the sampler, when no page held it) was
 * made for each execution and dropped after it, the Health Check executor releasing the service:
 * every {@code hc:exec} started a fresh history, saw the RunState stopping "since now", and said
 * OK 98 s past a 60 s threshold.
 */
@Designate(ocd = ResourcesHealthCheck.Config.class)
@Component(name = ResourcesHealthCheck.NAME, enabled = false, immediate = true, service = HealthCheck.class,
        configurationPid = ResourcesHealthCheck.PID)
public final class ResourcesHealthCheck implements HealthCheck {

    /** The component name. */
    public static final String NAME = "cs.resources.webconsole.health";
    /** The configuration PID. */
    public static final String PID = "cs.resources.health";

    /** The configuration. */
    @ObjectClassDefinition(name = "cs.resources health check",
            description = "Felix Health Check of cs.resources: failed MultiOpen startups, pools with waiters or"
                    + " timeouts, RunStates that do not finish stopping.")
    public @interface Config {
        /** @return the health check's name */
        @AttributeDefinition(name = "Name", description = "hc.name: the health check's name.")
        String hc_name() default "cs.resources";

        /** @return its tags */
        @AttributeDefinition(name = "Tags", description = "hc.tags: hc:exec and the executor select checks by tag.")
        String[] hc_tags() default {"cs.resources"};

        /** @return the stopping threshold in seconds */
        @AttributeDefinition(name = "Stopping threshold (s)", description = "WARN for a RunState that has been"
                + " stopping (cancelled, still running) for longer than this.")
        long stoppingThresholdSeconds() default 60;

        /** @return the pool window in seconds */
        @AttributeDefinition(name = "Pool window (s)", description = "WARN for a pool that had borrowers waiting"
                + " or timing out within this many seconds.")
        long poolWindowSeconds() default 60;
    }

    private final ResourcesRuntime runtime;
    private final Sampler sampler;
    private final HealthRules rules;
    private final Clock clock = Clock.systemUTC();

    /**
     * @param runtime what to check
     * @param sampler the pool history and stopping times
     * @param config thresholds
     */
    @Activate
    public ResourcesHealthCheck(@Reference(name = "runtime") ResourcesRuntime runtime,
            @Reference(name = "sampler") Sampler sampler, Config config) {
        this.runtime = runtime;
        this.sampler = sampler;
        this.rules = new HealthRules(Duration.ofSeconds(Math.max(0, config.stoppingThresholdSeconds())),
                Duration.ofSeconds(Math.max(0, config.poolWindowSeconds())));
    }

    @Override
    public Result execute() {
        FormattingResultLog log = new FormattingResultLog();
        Snapshot s = Snapshot.take(runtime, sampler.history(), clock.instant());
        List<HealthRules.Finding> findings = rules.evaluate(s, sampler.history());
        for (HealthRules.Finding f : findings) {
            // The message is an argument, not the pattern: names may hold {} and quotes.
            if (f.level() == HealthRules.Level.CRITICAL) {
                log.critical("{}", f.message());
            } else {
                log.warn("{}", f.message());
            }
        }
        if (findings.isEmpty()) {
            long live = s.runStates().stream().filter(RunStateInfo::isLive).count();
            log.info("cs.resources OK: {} live RunStates, {} MultiOpen services, {} pools", live,
                    s.multiOpens().size(), s.pools().size());
        }
        return new Result(log);
    }
}
