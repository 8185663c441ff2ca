package cs.resources.webconsole;

import cs.resources.Pool;
import cs.resources.RunState;
import cs.resources.runtime.MultiOpenInfo;
import cs.resources.runtime.PoolInfo;
import cs.resources.runtime.RunStateInfo;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The one place where the runtime's records become what the operator sees. The page's tables,
 * {@code resources.json}, the inventory dumps and the pool history read the records only through
 * these columns, so a field the runtime gains is one line here. The JSON keys are those of the
 * MXBeans in {@code cs.resources.impl.jmx}, so scripts see the same names over JMX and HTTP.
 */
public final class Tables {
    private Tables() {
    }

    /**
     * The RunStates table: with its progress ({@code done}, {@code total} and {@code message} as the
     * MXBean has them; the percentage, -1 when the total is unknown), the time left
     * ({@code etaMillis}, null when unknown), the parent's id (0 for none) and what the last run
     * threw.
     */
    public static final List<Column<RunStateInfo>> RUN_STATES = List.of(
            new Column<>("id", "ID", RunStateInfo::id),
            new Column<>("name", "Name", RunStateInfo::name),
            new Column<>("state", "State", RunStateInfo::state),
            new Column<>("bundleId", null, RunStateInfo::bundleId),
            new Column<>("bundle", "Bundle", RunStateInfo::bundle),
            new Column<>("startTime", "Started", RunStateInfo::startTime),
            new Column<>("runTimeMillis", "Run time", RunStateInfo::runTime),
            new Column<>("done", null, r -> r.progress().done()),
            new Column<>("total", null, r -> r.progress().total()),
            new Column<>("message", null, r -> r.progress().message()),
            new Column<>("percentDone", "Progress", RunStateInfo::percentDone, Tables::progressText),
            new Column<>("etaMillis", "Time left", RunStateInfo::eta),
            new Column<>("parentId", "Parent", RunStateInfo::parentId,
                    r -> r.parentId() == 0 ? "" : Long.toString(r.parentId())),
            new Column<>("failure", "Failure", RunStateInfo::failure),
            new Column<>("source", null, RunStateInfo::source));

    /**
     * The MultiOpens table: the opens per consumer bundle (JSON: a list of {@code bundleId},
     * {@code bundle}, {@code opens}); the phase with what else is true of it (retired by its
     * provider, unregistered while still held); the last startup's failure, if it failed.
     */
    public static final List<Column<MultiOpenInfo>> MULTI_OPENS = List.of(
            new Column<>("serviceId", "Service", MultiOpenInfo::serviceId),
            new Column<>("className", "Class", MultiOpenInfo::className),
            new Column<>("interfaces", "Interfaces", MultiOpenInfo::interfaces),
            new Column<>("bundleId", null, MultiOpenInfo::bundleId),
            new Column<>("bundle", "Bundle", MultiOpenInfo::bundle),
            new Column<>("openCount", "Opens", MultiOpenInfo::openCount),
            new Column<>("consumers", "Opens by bundle", Tables::consumers, Tables::consumersText),
            new Column<>("phase", "Phase", MultiOpenInfo::phase, Tables::phaseText),
            new Column<>("registered", null, MultiOpenInfo::registered),
            new Column<>("retired", null, MultiOpenInfo::retired),
            new Column<>("lastStartupFailure", "Last startup failure", MultiOpenInfo::lastStartupFailure));

    /**
     * The Pools table: the counts, the bounds (idle bound, cap: 0 for none), what waited at the cap
     * and what expired, with the MXBean's keys ({@code longestWaitMillis}, {@code meanWaitMillis}).
     */
    public static final List<Column<PoolInfo>> POOLS = List.of(
            new Column<>("serviceId", "Service", PoolInfo::serviceId),
            new Column<>("name", "Name", PoolInfo::name),
            new Column<>("bundleId", null, PoolInfo::bundleId),
            new Column<>("bundle", "Bundle", PoolInfo::bundle),
            new Column<>("idle", "Idle", p -> p.stats().idle()),
            new Column<>("inUse", "In use", p -> p.stats().inUse()),
            new Column<>("maxSize", "Max idle", PoolInfo::maxSize, p -> bound(p.maxSize())),
            new Column<>("maxTotal", "Cap", PoolInfo::maxTotal, p -> bound(p.maxTotal())),
            new Column<>("created", "Created", p -> p.stats().created()),
            new Column<>("reused", "Reused", p -> p.stats().reused()),
            new Column<>("dropped", "Dropped", p -> p.stats().dropped()),
            new Column<>("expired", "Expired", p -> p.stats().expired()),
            new Column<>("waiting", "Waiting", p -> p.stats().waiting()),
            new Column<>("waits", "Waits", p -> p.stats().waits()),
            new Column<>("timeouts", "Timeouts", p -> p.stats().timeouts()),
            new Column<>("longestWaitMillis", "Longest wait", p -> p.stats().longestWait()),
            new Column<>("meanWaitMillis", "Mean wait", p -> p.stats().meanWait()),
            new Column<>("closed", "Closed", PoolInfo::closed));

    /** @return a bound as people read it: {@code none} for 0 */
    private static String bound(int n) {
        return n == 0 ? "none" : Integer.toString(n);
    }

    /** @return {@code 42% copying}, {@code 17 done copying} (no total), the message alone, or nothing */
    static String progressText(RunStateInfo r) {
        String message = r.progress().message();
        int percent = r.percentDone();
        String amount = percent >= 0 ? percent + "%" : r.progress().done() > 0 ? r.progress().done() + " done" : "";
        return amount.isEmpty() || message.isEmpty() ? amount + message : amount + " " + message;
    }

    private static List<Map<String, Object>> consumers(MultiOpenInfo m) {
        return m.consumers().stream().map(c -> {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("bundleId", c.bundleId());
            row.put("bundle", c.bundle());
            row.put("opens", c.opens());
            return row;
        }).toList();
    }

    /** @return {@code com.acme.app [12]: 3, com.acme.web [14]: 1} */
    private static String consumersText(MultiOpenInfo m) {
        return m.consumers().stream().map(c -> c.bundle() + " [" + c.bundleId() + "]: " + c.opens())
                .collect(Collectors.joining(", "));
    }

    /** @return {@code OPEN}, {@code OPEN, retired}, {@code CLOSED, retired, unregistered}, ... */
    private static String phaseText(MultiOpenInfo m) {
        StringBuilder b = new StringBuilder(m.phase().name());
        if (m.retired()) {
            b.append(", retired");
        }
        if (!m.registered()) {
            b.append(", unregistered");
        }
        return b.toString();
    }

    /**
     * What the sampler keeps of a pool at one moment, for the chart and the health check.
     *
     * @param pool the pool as listed
     * @param time when
     * @return the sample
     */
    public static PoolSample sample(PoolInfo pool, Instant time) {
        Pool.Stats s = pool.stats();
        return new PoolSample(time, s.idle(), s.inUse(), s.waiting(), s.waits(), s.timeouts(), s.longLeases());
    }

    /**
     * @param info a RunState as listed
     * @return whether a cancel makes sense: it has not ended (a paused one included)
     */
    public static boolean cancellable(RunStateInfo info) {
        return info.isLive();
    }

    /**
     * @param info a pool as listed
     * @return whether resizing it and evicting its objects make sense: it is not closed
     */
    public static boolean resizable(PoolInfo info) {
        return !info.closed();
    }

    /**
     * @param info a RunState as listed
     * @return whether a pause makes sense: it runs and was not cancelled
     */
    public static boolean pausable(RunStateInfo info) {
        return info.state() == RunState.State.RUNNING;
    }

    /**
     * @param info a RunState as listed
     * @return whether a resume makes sense: it is paused
     */
    public static boolean resumable(RunStateInfo info) {
        return info.state() == RunState.State.PAUSED;
    }
}
