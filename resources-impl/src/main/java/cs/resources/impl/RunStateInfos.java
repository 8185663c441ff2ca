package cs.resources.impl;

import cs.resources.RunState;
import cs.resources.runtime.RunStateInfo;
import cs.resources.runtime.RunStateInfo.Source;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds {@link RunStateInfo}s from live RunStates: what {@link RunStateTracking} lists. Calls into the
 * RunState (and {@code toString()} of its failure) with no lock of ours held.
 */
final class RunStateInfos {
    private RunStateInfos() {
    }

    /**
     * @return {@code rs} as it is now, with its live children (recursively), which are listed with
     *     the bundle and source given here
     */
    static RunStateInfo of(RunState rs, long bundleId, String bundle, Source source) {
        return of(rs, bundleId, bundle, source, null);
    }

    /**
     * As {@link #of(RunState, long, String, Source)}, for a task waiting for its time.
     *
     * @param nextRun when the task runs next; null if it does not wait for a time
     */
    static RunStateInfo of(RunState rs, long bundleId, String bundle, Source source, Instant nextRun) {
        List<RunStateInfo> children = new ArrayList<>();
        for (RunState child : rs.children()) {
            children.add(of(child, bundleId, bundle, source));
        }
        return new RunStateInfo(rs.id(), rs.name(), rs.state(), bundleId, bundle, rs.startTime().orElse(null),
                rs.runTime(), source, rs.progress(), rs.eta().orElse(null),
                rs.parent().map(RunState::id).orElse(0L), rs.failure().map(RunStateInfos::describe).orElse(null),
                children, rs.cancelReason().orElse(null), nextRun);
    }

    /** @return {@code t.toString()} (class and message), or its class name if that throws */
    static String describe(Throwable t) {
        try {
            return String.valueOf(t);
        } catch (RuntimeException e) {
            return t.getClass().getName();
        }
    }
}
