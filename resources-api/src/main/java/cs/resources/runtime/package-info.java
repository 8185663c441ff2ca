/**
 * The OSGi-facing side of cs.resources: the services the runtime bundle ({@code cs.resources.impl})
 * provides and the shell ({@code cs.resources.shell}) uses, and the records they return.
 *
 * <ul>
 *   <li>{@link cs.resources.runtime.ResourcesRuntime}: lists the {@link cs.resources.RunState}s,
 *       {@link cs.resources.MultiOpen}s and {@link cs.resources.Pool}s that bundles registered as
 *       OSGi services (the whiteboard) or through it, and cancels RunStates by id or name.</li>
 *   <li>{@link cs.resources.runtime.TaskService}: runs named background tasks, now, after a
 *       delay or at a fixed rate, each with a RunState the runtime lists, and a
 *       {@link cs.resources.runtime.TaskHandle} for its result.</li>
 * </ul>
 *
 * <p>The records here carry plain values (ids, names, times), never live objects or OSGi types,
 * so this package needs nothing from OSGi at run time.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package cs.resources.runtime;
