package cs.resources.metrics;

/**
 * The meters' names and tag keys, in Micrometer's conventions (lower case, dot-separated; a
 * registry renders them its way: Prometheus writes {@code cs_resources_pool_in_use},
 * {@code cs_resources_pool_creations_total}, {@code cs_resources_runstates_run_time_seconds}, and a
 * gauge with a base unit with the unit last: {@code cs_resources_pool_wait_percentile_seconds}).
 */
final class Names {

    /** Tag: the pool's name, the MultiOpen's class name, the RunState's name. */
    static final String NAME = "name";
    /** Tag: the symbolic name of the bundle that owns it (registered it, or submitted the task). */
    static final String BUNDLE = "bundle";
    /** Tag: a live RunState's state, lower case. */
    static final String STATE = "state";
    /** Tag: how a RunState ended: completed, cancelled, failed. */
    static final String OUTCOME = "outcome";

    static final String POOL_IDLE = "cs.resources.pool.idle";
    static final String POOL_IN_USE = "cs.resources.pool.in.use";
    static final String POOL_WAITING = "cs.resources.pool.waiting";
    static final String POOL_CAP = "cs.resources.pool.cap";
    // Counters are nouns: Prometheus reserves the suffix _created (a registry strips it).
    static final String POOL_CREATIONS = "cs.resources.pool.creations";
    static final String POOL_REUSES = "cs.resources.pool.reuses";
    static final String POOL_DROPS = "cs.resources.pool.drops";
    static final String POOL_EXPIRATIONS = "cs.resources.pool.expirations";
    static final String POOL_WAITS = "cs.resources.pool.waits";
    static final String POOL_TIMEOUTS = "cs.resources.pool.timeouts";
    static final String POOL_LONG_LEASES = "cs.resources.pool.long.leases";
    /**
     * Timers (count and total) from the pool's own distributions, each with gauges
     * {@code <name>.percentile} (tag {@link #PHI}) and {@code <name>.max}.
     */
    static final String POOL_WAIT = "cs.resources.pool.wait";
    static final String POOL_HOLD = "cs.resources.pool.hold";
    /** Suffix of a timer's percentile gauges: Micrometer's own, for client-side percentiles. */
    static final String PERCENTILE = ".percentile";
    /** Suffix of a timer's maximum gauge. */
    static final String MAX = ".max";
    /** Tag of a percentile gauge: the percentile, as Micrometer writes it (0.5, 0.9, 0.99, 0.999). */
    static final String PHI = "phi";

    static final String RUNSTATES_LIVE = "cs.resources.runstates.live";
    static final String RUNSTATES_ENDED = "cs.resources.runstates.ended";
    static final String RUNSTATES_RUN_TIME = "cs.resources.runstates.run.time";

    static final String MULTIOPEN_OPENS = "cs.resources.multiopen.opens";
    static final String MULTIOPEN_STARTUPS = "cs.resources.multiopen.startups";
    static final String MULTIOPEN_STARTUP_FAILURES = "cs.resources.multiopen.startup.failures";
    static final String MULTIOPEN_SHUTDOWNS = "cs.resources.multiopen.shutdowns";

    private Names() {
    }
}
