package cs.resources;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A handle on something registered (a listener, a tracked task) whose {@link #close()} removes
 * it. Closing is idempotent and throws nothing.
 */
@ConsumerType
@FunctionalInterface
public interface Registration extends AutoCloseable {
    /** Removes the registration; closing it again does nothing. */
    @Override
    void close();
}
