package cs.resources.webconsole;

import cs.resources.Pool;
import cs.resources.runtime.MultiOpenInfo;
import cs.resources.runtime.PoolInfo;
import cs.resources.runtime.RunStateInfo;
import java.time.Instant;
import java.util.List;

/**
 * The one place where the runtime's records become what the operator sees. The page's tables,
 * {@code resources.json}, the inventory dumps and the pool history read the records only through
 * these columns, so a field the runtime gains is one line here. The JSON keys are those of the
 * MXBeans in {@code cs.resources.impl.jmx}, so scripts see the same names over JMX and HTTP.
 */
public final class Tables {
    private Tables() {
    }

    /** The RunStates table. */
    public static final List<Column<RunStateInfo>> RUN_STATES = List.of(
            new Column<>("id", "ID", RunStateInfo::id),
            new Column<>("name", "Name", RunStateInfo::name),
            new Column<>("state", "State", RunStateInfo::state),
            new Column<>("bundleId", null, RunStateInfo::bundleId),
            new Column<>("bundle", "Bundle", RunStateInfo::bundle),
            new Column<>("startTime", "Started", RunStateInfo::startTime),
            new Column<>("runTimeMillis", "Run time", RunStateInfo::runTime),
            new Column<>("source", null, RunStateInfo::source));

    /** The MultiOpens table. */
    public static final List<Column<MultiOpenInfo>> MULTI_OPENS = List.of(
            new Column<>("serviceId", "Service", MultiOpenInfo::serviceId),
            new Column<>("className", "Class", MultiOpenInfo::className),
            new Column<>("bundleId", null, MultiOpenInfo::bundleId),
            new Column<>("bundle", "Bundle", MultiOpenInfo::bundle),
            new Column<>("openCount", "Opens", MultiOpenInfo::openCount),
            new Column<>("phase", "Phase", MultiOpenInfo::phase));

    /** The Pools table. */
    public static final List<Column<PoolInfo>> POOLS = List.of(
            new Column<>("serviceId", "Service", PoolInfo::serviceId),
            new Column<>("name", "Name", PoolInfo::name),
            new Column<>("bundleId", null, PoolInfo::bundleId),
            new Column<>("bundle", "Bundle", PoolInfo::bundle),
            new Column<>("idle", "Idle", p -> p.stats().idle()),
            new Column<>("inUse", "In use", p -> p.stats().inUse()),
            new Column<>("maxSize", "Max idle", PoolInfo::maxSize),
            new Column<>("created", "Created", p -> p.stats().created()),
            new Column<>("reused", "Reused", p -> p.stats().reused()),
            new Column<>("dropped", "Dropped", p -> p.stats().dropped()),
            new Column<>("closed", "Closed", PoolInfo::closed));

    /**
     * What the sampler keeps of a pool at one moment, for the chart and the health check.
     *
     * @param pool the pool as listed
     * @param time when
     * @return the sample
     */
    public static PoolSample sample(PoolInfo pool, Instant time) {
        Pool.Stats s = pool.stats();
        // The pool has no waits or timeouts yet (issue 10 adds them): unknown until then.
        return new PoolSample(time, s.idle(), s.inUse(), PoolSample.UNKNOWN, PoolSample.UNKNOWN, PoolSample.UNKNOWN);
    }

    /**
     * @param info a RunState as listed
     * @return whether a cancel makes sense: it has not ended
     */
    public static boolean cancellable(RunStateInfo info) {
        return info.isLive();
    }
}
