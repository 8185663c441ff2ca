package cs.resources.impl.jmx;

import cs.resources.runtime.RunStateInfo;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.management.ConstructorParameters;

/**
 * A RunState as JMX shows it (a {@code CompositeData} of these getters): {@link RunStateInfo} with
 * its times as text and milliseconds. MXBean mapping reads getters, which records lack. Open types
 * cannot nest a RunState in a RunState, so children are rows of their own, linked by
 * {@link #getParentId()} ({@link #flatten}).
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
    private final long done;
    private final long total;
    private final String message;
    private final long etaMillis;
    private final long parentId;
    private final String failure;
    private final String cancelReason;
    private final String nextRun;

    @ConstructorParameters({"id", "name", "state", "bundleId", "bundle", "startTime", "runTimeMillis", "source",
            "done", "total", "message", "etaMillis", "parentId", "failure", "cancelReason", "nextRun"})
    public RunStateData(long id, String name, String state, long bundleId, String bundle, String startTime,
            long runTimeMillis, String source, long done, long total, String message, long etaMillis, long parentId,
            String failure, String cancelReason, String nextRun) {
        this.id = id;
        this.name = name;
        this.state = state;
        this.bundleId = bundleId;
        this.bundle = bundle;
        this.startTime = startTime;
        this.runTimeMillis = runTimeMillis;
        this.source = source;
        this.done = done;
        this.total = total;
        this.message = message;
        this.etaMillis = etaMillis;
        this.parentId = parentId;
        this.failure = failure;
        this.cancelReason = cancelReason;
        this.nextRun = nextRun;
    }

    static RunStateData of(RunStateInfo i) {
        return new RunStateData(i.id(), i.name(), i.state().name(), i.bundleId(), i.bundle(),
                i.startTime() == null ? null : i.startTime().toString(), i.runTime().toMillis(), i.source().name(),
                i.progress().done(), i.progress().total(), i.progress().message(),
                i.eta() == null ? -1 : i.eta().toMillis(), i.parentId(), i.failure(), i.cancelReason(),
                i.nextRun() == null ? null : i.nextRun().toString());
    }

    /** @return each of {@code infos} and, after it, its children (recursively), each RunState once */
    static List<RunStateData> flatten(List<RunStateInfo> infos) {
        Set<Long> seen = new HashSet<>();
        infos.forEach(i -> seen.add(i.id()));
        List<RunStateData> rows = new ArrayList<>();
        for (RunStateInfo info : infos) {
            rows.add(of(info));
            addChildren(info, seen, rows);
        }
        return rows;
    }

    private static void addChildren(RunStateInfo parent, Set<Long> seen, List<RunStateData> rows) {
        for (RunStateInfo child : parent.children()) {
            if (seen.add(child.id())) {
                rows.add(of(child));
                addChildren(child, seen, rows);
            }
        }
    }

    /** @return the RunState's id */
    public long getId() {
        return id;
    }

    /** @return its name, as given (unescaped) */
    public String getName() {
        return name;
    }

    /** @return PENDING, RUNNING, PAUSED, STOPPING, CANCELLED or STOPPED */
    public String getState() {
        return state;
    }

    /** @return the id of the bundle it belongs to (for a task, the bundle that submitted it) */
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

    /** @return how it is tracked: SERVICE, REGISTERED or TASK (a child: its tracked parent's) */
    public String getSource() {
        return source;
    }

    /** @return the done count of its progress */
    public long getDone() {
        return done;
    }

    /** @return the total of its progress; 0 when unknown */
    public long getTotal() {
        return total;
    }

    /** @return the message of its progress; empty when none */
    public String getMessage() {
        return message;
    }

    /** @return the estimated time left in milliseconds; -1 when unknown */
    public long getEtaMillis() {
        return etaMillis;
    }

    /** @return its parent's id; 0 for none */
    public long getParentId() {
        return parentId;
    }

    /** @return what the body of its last run threw (class and message); null if it did not throw */
    public String getFailure() {
        return failure;
    }

    /** @return why it was cancelled (as given, unescaped); null when not cancelled or no reason was given */
    public String getCancelReason() {
        return cancelReason;
    }

    /** @return when a task waiting for its time runs next, ISO-8601 (UTC); null otherwise */
    public String getNextRun() {
        return nextRun;
    }
}
