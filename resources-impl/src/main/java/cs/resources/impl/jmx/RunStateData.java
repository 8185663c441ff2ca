package cs.resources.impl.jmx;

import cs.resources.runtime.RunStateInfo;
import javax.management.ConstructorParameters;

/**
 * A RunState as JMX shows it (a {@code CompositeData} of these getters): {@link RunStateInfo} with
 * its times as text and milliseconds. MXBean mapping reads getters, which records lack.
 */
public final class RunStateData {
    private final long id;
    private final String name;
    private final String state;
    private final long bundleId;
    private final String bundle;
    private final String startTime;
    private final long runTimeMillis;
    private final String source;

    @ConstructorParameters({"id", "name", "state", "bundleId", "bundle", "startTime", "runTimeMillis", "source"})
    public RunStateData(long id, String name, String state, long bundleId, String bundle, String startTime,
            long runTimeMillis, String source) {
        this.id = id;
        this.name = name;
        this.state = state;
        this.bundleId = bundleId;
        this.bundle = bundle;
        this.startTime = startTime;
        this.runTimeMillis = runTimeMillis;
        this.source = source;
    }

    static RunStateData of(RunStateInfo i) {
        return new RunStateData(i.id(), i.name(), i.state().name(), i.bundleId(), i.bundle(),
                i.startTime() == null ? null : i.startTime().toString(), i.runTime().toMillis(), i.source().name());
    }

    /** @return the RunState's id */
    public long getId() {
        return id;
    }

    /** @return its name, as given (unescaped) */
    public String getName() {
        return name;
    }

    /** @return PENDING, RUNNING, STOPPING, CANCELLED or STOPPED */
    public String getState() {
        return state;
    }

    /** @return the id of the bundle it belongs to */
    public long getBundleId() {
        return bundleId;
    }

    /** @return that bundle's symbolic name */
    public String getBundle() {
        return bundle;
    }

    /** @return when it last started, ISO-8601 (UTC); null if it never did */
    public String getStartTime() {
        return startTime;
    }

    /** @return its run time in milliseconds: up to now while running, else its last run */
    public long getRunTimeMillis() {
        return runTimeMillis;
    }

    /** @return how it is tracked: SERVICE, REGISTERED or TASK */
    public String getSource() {
        return source;
    }
}
