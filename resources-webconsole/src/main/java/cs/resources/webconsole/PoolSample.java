package cs.resources.webconsole;

import java.time.Instant;
import java.util.Objects;

/**
 * A pool's counts at one moment, as the {@link Sampler} saw them.
 *
 * @param time when
 * @param idle objects idle in the pool
 * @param inUse objects leased out
 * @param waiting borrowers waiting for an object; {@link #UNKNOWN} where the pool does not say
 * @param waits borrowers that ever had to wait (a counter); {@link #UNKNOWN} where the pool does not say
 * @param timeouts borrowers that ever gave up waiting (a counter); {@link #UNKNOWN} where the pool does not say
 * @param longLeases leases found held past the pool's long-lease warning (a counter); {@link #UNKNOWN}
 *     where the pool does not say
 */
public record PoolSample(Instant time, int idle, int inUse, long waiting, long waits, long timeouts, long longLeases) {

    /** A count the pool does not report. */
    public static final long UNKNOWN = -1;

    /** @throws NullPointerException if {@code time} is null */
    public PoolSample {
        Objects.requireNonNull(time, "time");
    }

    /**
     * A sample without the long-lease count.
     *
     * @param time when
     * @param idle objects idle in the pool
     * @param inUse objects leased out
     * @param waiting borrowers waiting for an object
     * @param waits borrowers that ever had to wait
     * @param timeouts borrowers that ever gave up waiting
     * @throws NullPointerException if {@code time} is null
     */
    public PoolSample(Instant time, int idle, int inUse, long waiting, long waits, long timeouts) {
        this(time, idle, inUse, waiting, waits, timeouts, UNKNOWN);
    }
}
