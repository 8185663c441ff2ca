package cs.resources.webconsole.health;

import cs.resources.RunState;
import cs.resources.runtime.MultiOpenInfo;
import cs.resources.runtime.RunStateInfo;
import cs.resources.webconsole.History;
import cs.resources.webconsole.PoolSample;
import cs.resources.webconsole.Snapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The health check's rules, without the Health Check API: from a {@link Snapshot} and the
 * sampler's {@link History}, one {@link Finding} per thing that is wrong.
 *
 * <ul>
 *   <li>{@code CRITICAL}: a MultiOpen service whose last startup failed, and none has succeeded
 *       since ({@link MultiOpenInfo#lastStartupFailure()});</li>
 *   <li>{@code WARN}: a pool that had borrowers waiting, or borrowers timing out, within the pool
 *       window (the samples of that window: the waiting count, and the growth of the timeouts
 *       counter; pools that do not report them never warn);</li>
 *   <li>{@code WARN}: a pool that found leases held past its long-lease warning within the pool
 *       window (the growth of its long-lease counter, {@link cs.resources.Pool.Stats#longLeases()});</li>
 *   <li>{@code WARN}: a RunState stopping (cancelled, still running) for longer than the threshold,
 *       counted from when the sampler first saw it stopping.</li>
 * </ul>
 *
 * @param stoppingThreshold how long a RunState may stop before it is reported
 * @param poolWindow how far back pool waits and timeouts count
 */
public record HealthRules(Duration stoppingThreshold, Duration poolWindow) {

    /** How bad a finding is. */
    public enum Level {
        /** Needs attention. */
        WARN,
        /** Broken. */
        CRITICAL
    }

    /**
     * One thing found wrong.
     *
     * @param level how bad
     * @param message what, naming the object (its name as given: the caller escapes it for output)
     */
    public record Finding(Level level, String message) {
        /** @throws NullPointerException if an argument is null */
        public Finding {
            Objects.requireNonNull(level, "level");
            Objects.requireNonNull(message, "message");
        }
    }

    /**
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if a duration is negative
     */
    public HealthRules {
        Objects.requireNonNull(stoppingThreshold, "stoppingThreshold");
        Objects.requireNonNull(poolWindow, "poolWindow");
        if (stoppingThreshold.isNegative() || poolWindow.isNegative()) {
            throw new IllegalArgumentException("HealthRules: negative duration (stopping threshold "
                    + stoppingThreshold + ", pool window " + poolWindow + ")");
        }
    }

    /**
     * @param s what the runtime lists now, with the pools' samples
     * @param history the sampler's history (for when RunStates began stopping)
     * @return the findings, the most severe first
     */
    public List<Finding> evaluate(Snapshot s, History history) {
        List<Finding> critical = new ArrayList<>();
        List<Finding> warn = new ArrayList<>();
        for (MultiOpenInfo m : s.multiOpens()) {
            String failure = m.lastStartupFailure();
            if (failure != null) {
                critical.add(new Finding(Level.CRITICAL, "MultiOpen service " + m.serviceId() + " (" + m.className()
                        + ", bundle " + m.bundle() + "): its last startup failed: " + failure));
            }
        }
        Instant since = s.time().minus(poolWindow);
        s.pools().forEach(p -> {
            List<PoolSample> window = s.history().getOrDefault(p.serviceId(), List.of()).stream()
                    .filter(x -> !x.time().isBefore(since)).toList();
            long waitingPeak = window.stream().mapToLong(PoolSample::waiting).max().orElse(PoolSample.UNKNOWN);
            long timeouts = growth(window, PoolSample::timeouts);
            long waits = growth(window, PoolSample::waits);
            if (waitingPeak > 0 || timeouts > 0) {
                warn.add(new Finding(Level.WARN, "pool " + p.name() + " (service " + p.serviceId() + ", bundle "
                        + p.bundle() + "): in the last " + poolWindow.toSeconds() + " s, up to " + Math.max(0, waitingPeak)
                        + " borrowers waiting, " + Math.max(0, waits) + " waits, " + Math.max(0, timeouts) + " timeouts"));
            }
            long longLeases = growth(window, PoolSample::longLeases);
            if (longLeases > 0) {
                warn.add(new Finding(Level.WARN, "pool " + p.name() + " (service " + p.serviceId() + ", bundle "
                        + p.bundle() + "): in the last " + poolWindow.toSeconds() + " s, " + longLeases
                        + (longLeases == 1 ? " lease" : " leases") + " held past its long-lease warning ("
                        + p.longLeaseWarning() + "); the pool's log names the borrowers and their stacks"));
            }
        });
        for (RunStateInfo r : s.runStates()) {
            if (r.state() != RunState.State.STOPPING) {
                continue;
            }
            Optional<Instant> start = history.stoppingSince(r.id());
            if (start.isEmpty()) {
                continue;
            }
            Duration stopping = Duration.between(start.get(), s.time());
            if (stopping.compareTo(stoppingThreshold) > 0) {
                warn.add(new Finding(Level.WARN, "RunState " + r.id() + " " + r.name() + " (bundle " + r.bundle()
                        + "): stopping for " + stopping.toSeconds() + " s (threshold " + stoppingThreshold.toSeconds()
                        + " s); it was cancelled and has not ended"));
            }
        }
        critical.addAll(warn);
        return critical;
    }

    /** The growth of a counter over the window's samples that report it; 0 with fewer than two. */
    private static long growth(List<PoolSample> window, java.util.function.ToLongFunction<PoolSample> counter) {
        long first = PoolSample.UNKNOWN;
        long last = PoolSample.UNKNOWN;
        for (PoolSample s : window) {
            long v = counter.applyAsLong(s);
            if (v == PoolSample.UNKNOWN) {
                continue;
            }
            if (first == PoolSample.UNKNOWN) {
                first = v;
            }
            last = v;
        }
        return first == PoolSample.UNKNOWN ? 0 : last - first;
    }
}
