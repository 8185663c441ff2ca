/**
 * Resource-management primitives, ported from the Python library {@code cs.resources}: plain
 * Java, usable with or without OSGi.
 *
 * <ul>
 *   <li>{@link cs.resources.MultiOpen} and {@link cs.resources.AbstractMultiOpen}: open/close
 *       counting; the first open of a cycle runs startup, the last close runs shutdown, and
 *       {@link cs.resources.MultiOpen#join()} waits for that final shutdown.</li>
 *   <li>{@link cs.resources.Pool}: reuse of costly objects, leased with try-with-resources.</li>
 *   <li>{@link cs.resources.RunState} and {@link cs.resources.RunStateMixin}: a running task that
 *       can be asked to stop.</li>
 * </ul>
 *
 * <p>Every type here is thread-safe unless its documentation says otherwise. No method accepts
 * {@code null} unless its documentation says so; a {@code null} argument is rejected with a
 * {@link java.lang.NullPointerException} naming the parameter, before any state changes.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.3.0")
package cs.resources;
