package cs.resources.webconsole;

import cs.resources.webconsole.health.ResourcesHealthCheck;
import cs.resources.webconsole.inventory.ResourcesInventoryPrinter;
import cs.resources.webconsole.jakarta.JakartaPlugin;
import cs.resources.webconsole.javax.JavaxPlugin;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.osgi.framework.Bundle;
import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * Enables the components whose APIs this bundle is wired to, and no other. Every integration's
 * import is optional, so the bundle resolves anywhere; a component whose class needs a package
 * that is not wired would fail the moment a consumer got it (a {@code NoClassDefFoundError}, logged
 * by SCR), and a registered service is visible to bundles whatever the registrant's wiring. So the
 * components start disabled, and this one enables them after looking at the wiring:
 *
 * <ul>
 *   <li>{@code jakarta.servlet.http} wired: the Web Console 5 page ({@link JakartaPlugin});</li>
 *   <li>else {@code javax.servlet.http} wired: the Web Console 4 page ({@link JavaxPlugin}), as in
 *       Karaf 4.4. Not both: where both APIs are present (Felix HTTP Jetty 12 brings both), Web
 *       Console 5 would take the javax page too, through its legacy support, warn about it and
 *       show one of the two;</li>
 *   <li>{@code org.apache.felix.hc.api} wired: the health check;</li>
 *   <li>{@code org.apache.felix.inventory} wired: the inventory printer.</li>
 * </ul>
 *
 * <p>The wiring is fixed when the bundle resolves: an API installed later counts after a refresh
 * of this bundle (Karaf's feature installer refreshes bundles whose optional imports it can now
 * satisfy).
 */
@Component(service = {}, immediate = true)
public final class ConsoleSelector {

    private static final System.Logger LOG = System.getLogger(ConsoleSelector.class.getName());

    private final List<String> enabled = new ArrayList<>();

    /**
     * @param context to enable the components with
     */
    @Activate
    public ConsoleSelector(ComponentContext context) {
        Set<String> wired = wiredPackages(context.getBundleContext().getBundle());
        if (wired.contains("jakarta.servlet.http")) {
            enabled.add(JakartaPlugin.NAME);
        } else if (wired.contains("javax.servlet.http")) {
            enabled.add(JavaxPlugin.NAME);
        }
        if (wired.contains("org.apache.felix.hc.api")) {
            enabled.add(ResourcesHealthCheck.NAME);
        }
        if (wired.contains("org.apache.felix.inventory")) {
            enabled.add(ResourcesInventoryPrinter.NAME);
        }
        enabled.forEach(context::enableComponent);
        LOG.log(Level.DEBUG, () -> "cs.resources.webconsole enabled " + (enabled.isEmpty() ? "nothing" : enabled)
                + " (wired: " + wired + ")");
    }

    /** @return the names of the components this enabled */
    public List<String> enabled() {
        return List.copyOf(enabled);
    }

    /**
     * @param bundle a resolved bundle
     * @return the packages its imports are wired to
     */
    static Set<String> wiredPackages(Bundle bundle) {
        Set<String> packages = new TreeSet<>();
        BundleWiring wiring = bundle.adapt(BundleWiring.class);
        if (wiring != null) {
            for (BundleWire w : wiring.getRequiredWires(PackageNamespace.PACKAGE_NAMESPACE)) {
                Object p = w.getCapability().getAttributes().get(PackageNamespace.PACKAGE_NAMESPACE);
                if (p instanceof String s) {
                    packages.add(s);
                }
            }
        }
        return packages;
    }
}
