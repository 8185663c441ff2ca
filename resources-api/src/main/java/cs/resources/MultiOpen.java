package cs.resources;

import java.time.Duration;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Something shared by several users that must be started once, kept alive while anyone uses it,
 * and shut down exactly once: an open/close counter with a startup and a shutdown. This is what
 * consumers see, also as an OSGi service type; providers extend {@link AbstractMultiOpen} or use
 * {@link #of(Openable)}.
 *
 * <pre>{@code
 * try (var open = sharedDatabase.acquire()) {   // first open of a cycle runs startup
 *     ... use it, while other threads do the same ...
 * }                                             // last close runs shutdown
 * }</pre>
 *
 * <h2>Who may close what</h2>
 * {@link #acquire()} returns a {@link Handle} that owns the one open it made: closing the handle
 * releases exactly that open, and closing it again does nothing. That is the form to use:
 * a stray or repeated close cannot release someone else's open. {@link #open()} and
 * {@link #close()} are the counting forms (the Python library's): any close releases any open. In
 * OSGi, a consumer bundle gets its own view of a MultiOpen service, whose opens are that bundle's
 * and are closed for it when the framework releases the service for the bundle (see
 * {@code cs.resources.osgi.MultiOpenServices}).
 *
 * <h2>Life cycle</h2>
 * An object is <em>new</em> until its first successful open; then each <em>cycle</em> runs from
 * the open that finds the count at 0 (it runs startup) to the close that brings the count back to
 * 0 (it runs shutdown). Reopening a closed object starts a new cycle. Startup and shutdown run in
 * the thread of the open or close that triggers them, outside any lock, exactly once per cycle, and
 * never overlap.
 *
 * <h2>Thread-safety and blocking</h2>
 * All methods are thread-safe. While the object is open, {@link #open()} and a non-final
 * {@link #close()} take no lock and allocate nothing. An {@link #open()} that arrives while another
 * thread runs startup or a final shutdown waits for it, and so does a {@link #close()} that arrives
 * during another thread's startup (a close during a final shutdown is an extra close: it returns at
 * once). Those waits, and {@link #join()}, are not interruptible: an interrupt is remembered and
 * the thread's interrupt flag is set again when the method returns. An open that arrives while
 * another thread runs startup is counted into the cycle of that startup when it succeeds, before
 * any close can end the cycle: waiting openers never miss the cycle they waited for.
 *
 * <p>Memory consistency effects: actions of a startup happen-before every open and acquire that
 * returns in that cycle; actions in a thread prior to a close happen-before the shutdown that close
 * (or a later one) runs in the same cycle.
 */
@ProviderType
public interface MultiOpen extends AutoCloseable {

    /**
     * One open of a {@link MultiOpen}, owned by whoever holds this handle (the Python library's
     * planned "subopen"). Use it with try-with-resources:
     *
     * <pre>{@code
     * try (MultiOpen.Handle h = resource.acquire()) {
     *     ... use resource ...
     * }
     * }</pre>
     *
     * Thread-safe: closing may happen in another thread than acquiring, and only the first close
     * releases the open.
     */
    @ProviderType
    interface Handle extends AutoCloseable {
        /** @return the MultiOpen this handle opened */
        MultiOpen multiOpen();

        /** @return whether this handle has been closed (its own flag, not the MultiOpen's) */
        boolean isClosed();

        /**
         * Releases the open this handle owns, as {@link MultiOpen#close()} does (running shutdown if
         * it is the final close, with the same exceptions); every later call does nothing and throws
         * nothing.
         *
         * @throws LifecycleException if shutdown threw a checked exception (its cause); an unchecked
         *     exception or error from shutdown is thrown as it is
         */
        @Override
        void close();
    }

    /**
     * Opens exactly as {@link #open()} does and returns a handle that owns that one open. By default
     * this is {@code open()} and a handle whose first close calls {@link #close()} once;
     * {@link AbstractMultiOpen} refines it (leak detection tracks each handle by identity).
     *
     * @return a new handle, not closed
     * @throws LifecycleException as {@link #open()}
     * @throws IllegalStateException as {@link #open()}
     */
    default Handle acquire() {
        open();
        return new OpenHandle(this);
    }

    /**
     * Increments the open count. The first open of a cycle runs startup in this thread; an open that
     * arrives while another thread runs startup or a final shutdown waits for it (and after a
     * shutdown, runs a fresh startup). An open from inside startup, in the starting thread, returns
     * at once without running startup again. An open that waited for another thread's startup
     * that failed fails with it (the same exception, wrapped as below) and does not start another
     * attempt; an open that arrives after the failure starts a fresh one.
     *
     * @return this object, so that {@code try (var t = thing.open()) { ... }} works
     * @throws LifecycleException if startup threw a checked exception (its cause); an unchecked
     *     exception or error from startup is thrown as it is. Either way the count is unchanged
     *     and the next open tries startup again.
     * @throws ClosedException if the object was retired ({@code AbstractMultiOpen.retire()}) and
     *     its count is 0: it starts no new cycle
     * @throws IllegalStateException if called from inside this object's shutdown, or if the count
     *     would overflow
     */
    MultiOpen open();

    /**
     * Decrements the open count; the close that brings it to 0 runs shutdown in this thread.
     * Same as {@code close()} with no options.
     *
     * @throws IllegalStateException if the object was never opened ("close before open"), or if
     *     called from inside this object's startup, in the starting thread, where it would bring
     *     the count to 0 before the open that runs the startup has returned
     * @throws LifecycleException if shutdown threw a checked exception (its cause); an unchecked
     *     exception or error from shutdown is thrown as it is. Either way the object ends closed.
     */
    @Override
    void close();

    /**
     * Decrements the open count, as {@link #close()}, with options. A close after the final one
     * (with any options, also from inside shutdown) changes nothing and logs a warning that names
     * where the final close came from.
     *
     * @param options {@link CloseOption#ENFORCE_FINAL_CLOSE}, {@link CloseOption#UNOPENED_OK}
     * @throws IllegalStateException if the object was never opened and {@code UNOPENED_OK} was not
     *     given; or if {@code ENFORCE_FINAL_CLOSE} was given and opens remain (thrown after the
     *     decrement)
     * @throws NullPointerException if {@code options} or one of its elements is null (nothing
     *     changes)
     */
    void close(CloseOption... options);

    /**
     * @return true while the open count is above 0 and startup has completed
     */
    boolean isOpen();

    /**
     * @return true if the object was opened at least once and its count is now 0 (also while its
     *     final shutdown runs); false if it was never opened, and while a startup runs
     */
    boolean isClosed();

    /**
     * @return the current open count; 0 while a startup runs
     */
    int openCount();

    /**
     * A read-only query for monitoring: what the last startup threw, if it failed and no startup
     * has succeeded since. The default knows nothing and returns empty.
     *
     * @return the exception of the last startup, if it failed
     */
    default Optional<Throwable> lastStartupFailure() {
        return Optional.empty();
    }

    /**
     * Waits for the final shutdown and the finalisation of the current cycle. Returns at once if the
     * object was never opened, or is closed and finalised; a join that arrives during a first
     * startup waits for that cycle. Not interruptible (the interrupt flag is restored on return).
     *
     * @throws IllegalStateException if called from inside this object's startup or shutdown, which
     *     would wait for itself
     */
    void join();

    /**
     * As {@link #join()}, giving up after {@code timeout}.
     *
     * @param timeout how long to wait at most; zero only checks
     * @return true if the object is (now) closed and finalised or was never opened; false on
     *     timeout
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws NullPointerException if {@code timeout} is null
     */
    boolean join(Duration timeout);

    /**
     * Shares an {@link Openable}: the first open of a cycle calls {@code openable.open()}, the last
     * close calls {@code openable.close()} (the Python library's {@code MultiOpen} class).
     *
     * @param openable what to open and close
     * @return a new, unopened MultiOpen around it
     * @throws NullPointerException if {@code openable} is null
     */
    static MultiOpen of(Openable openable) {
        return new OpenableMultiOpen(openable);
    }
}
