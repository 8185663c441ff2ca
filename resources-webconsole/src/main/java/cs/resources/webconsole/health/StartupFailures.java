package cs.resources.webconsole.health;

import cs.resources.runtime.MultiOpenInfo;
import java.util.Optional;

/**
 * Whether a MultiOpen service's last startup failed, and how. The runtime does not report this yet
 * ({@link #UNKNOWN} answers for now); the health check reports {@code CRITICAL} for each service
 * for which this says so.
 */
@FunctionalInterface
public interface StartupFailures {

    /** Knows of no failure: what the runtime reports today. */
    StartupFailures UNKNOWN = info -> Optional.empty();

    /**
     * @param info a MultiOpen service as listed
     * @return what its last startup threw (e.g. the exception's class and message), if its last
     *     startup failed; empty if it succeeded, never ran, or nothing is known
     */
    Optional<String> lastStartupFailure(MultiOpenInfo info);
}
