/**
 * How per-bundle views work (not exported): the publication ({@code ViewService}, a bundle-scoped
 * service factory), where its shared object comes from ({@code SharedSource}), the view's count of
 * its bundle's opens ({@code View}), and the view classes generated for each set of service
 * interfaces ({@code ViewClasses}). See {@code docs/design.md}, section 2.
 */
package cs.resources.osgi.internal;
