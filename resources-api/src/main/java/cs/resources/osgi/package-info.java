/**
 * MultiOpen services whose opens belong to the bundles that make them:
 * {@link cs.resources.osgi.MultiOpenServices} publishes a MultiOpen so that each consumer bundle
 * receives a view of its own, whose opens are that bundle's and are closed for it when the
 * framework releases the service for the bundle. This package needs the OSGi framework API
 * ({@code org.osgi.framework}) at run time; package {@code cs.resources} does not.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.1.0")
package cs.resources.osgi;
