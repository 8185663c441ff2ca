package cs.resources;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Something with a single open and a single close, made shareable by {@link MultiOpen#of}: the
 * first open of a cycle calls {@link #open()}, the last close calls {@link #close()}.
 */
@ConsumerType
public interface Openable {
    /**
     * Acquires the underlying resource. Called at most once per open cycle, never concurrently
     * with {@link #close()}.
     *
     * @throws Exception if the resource cannot be acquired; the open that triggered this fails
     *     and the next open tries again
     */
    void open() throws Exception;

    /**
     * Releases the underlying resource. Called once per cycle, after the matching {@link #open()}
     * succeeded.
     *
     * @throws Exception if releasing failed; the object still ends closed
     */
    void close() throws Exception;
}
