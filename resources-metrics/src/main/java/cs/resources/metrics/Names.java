package cs.resources.metrics;

/**
 * The meters' names and tag keys, in Micrometer's conventions (lower case, dot-separated; a
 * registry renders them its way: Prometheus writes {@code cs_resources_pool_in_use},
 * {@code cs_resources_pool_creations_total}, {@code cs_resources_runstates_run_time_seconds}).
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

    static final String RUNSTATES_LIVE = "cs.resources.runstates.live";
    static final String RUNSTATES_ENDED = "cs.resources.runstates.ended";
    static final String RUNSTATES_RUN_TIME = "cs.resources.runstates.run.time";

    static final String MULTIOPEN_OPENS = "cs.resources.multiopen.opens";

    private Names() {
    }
}
