/**
 * MultiOpen services whose opens belong to the bundles that make them: a provider shares its
 * MultiOpen through per-bundle views, either by registering it under {@link cs.resources.osgi.Shared}
 * with {@link cs.resources.osgi.SharedAs} (the cs.resources runtime publishes the views) or with
 * {@link cs.resources.osgi.MultiOpenServices#register} (no runtime needed). Each consumer bundle
 * receives a view of its own, whose opens are that bundle's and are closed for it when the
 * framework releases the service for the bundle. This package needs the OSGi framework API
 * ({@code org.osgi.framework}) at run time; package {@code cs.resources} does not.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package cs.resources.osgi;
