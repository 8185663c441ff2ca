/** Test support for code that uses cs.resources: {@link cs.resources.testing.LeakDetectionExtension}. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.1.0")
package cs.resources.testing;
