package cs.resources.impl;

import cs.resources.osgi.MultiOpenServices;
import cs.resources.osgi.Shared;
import java.lang.System.Logger.Level;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.framework.AllServiceListener;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

/**
 * The whiteboard of shared MultiOpens: for every service with the property
 * {@value MultiOpenServices#SHARED_AS} (a provider's shared object, registered under
 * {@link Shared}), it publishes per-bundle views under the interfaces the property names
 * ({@link MultiOpenServices#publishViews}), and withdraws them when the service goes or stops
 * matching. The provider's registration is left as the framework made it: nothing is hidden,
 * re-registered or filtered, and no hook is used.
 *
 * <p>Views are published in the order of the providers' {@code service.id}s (at start, the
 * services already there are sorted; later, each as it is registered), so that among providers of
 * equal ranking the views keep the providers' order. A service that cannot be shared is refused
 * with one warning line: one that is not singleton-scoped (a bundle- or prototype-scoped
 * component or factory: one object is shared by all consumers), one registered under an interface
 * it shares, or one whose interfaces are unusable. When this component stops, the views are
 * withdrawn: their consumers keep what they hold and see ordinary service dynamics; when it starts
 * again, the views come back.
 *
 * <p>Thread-safe: the publications are in a concurrent map, where a marker holds a service's place
 * while its views are being registered; the framework calls the listener in any thread, and no
 * lock is held while it runs others' code.
 */
@Component(service = {}, immediate = true)
public final class ViewWhiteboard implements AllServiceListener {

    private static final System.Logger LOG = System.getLogger(ViewWhiteboard.class.getName());
    private static final String FILTER = "(" + MultiOpenServices.SHARED_AS + "=*)";

    /** Holds a service's place while its views are being registered. */
    private static final Object PENDING = new Object();
    /** A service that cannot be shared (reported once, until it changes). */
    private static final Object REFUSED = new Object();

    /** A publication, and the interfaces it was made for. */
    private record Entry(MultiOpenServices.Publication publication, List<String> sharedAs) {
    }

    private final BundleContext context;
    private final ServiceComponentRuntime scr;
    /** By provider's service: an {@link Entry}, {@link #PENDING} or {@link #REFUSED}. */
    private final Map<ServiceReference<?>, Object> published = new ConcurrentHashMap<>();
    private volatile boolean active = true;

    @Activate
    public ViewWhiteboard(BundleContext context, @Reference ServiceComponentRuntime scr) throws InvalidSyntaxException {
        this.context = context;
        this.scr = scr;
        context.addServiceListener(this, FILTER);
        ServiceReference<?>[] existing = context.getAllServiceReferences(null, FILTER);
        if (existing != null) {
            Arrays.sort(existing, Comparator.comparingLong(r -> (Long) r.getProperty(Constants.SERVICE_ID)));
            for (ServiceReference<?> ref : existing) {
                publish(ref);
            }
        }
    }

    @Deactivate
    void deactivate() {
        active = false;
        context.removeServiceListener(this);
        for (ServiceReference<?> ref : List.copyOf(published.keySet())) {
            withdraw(ref);
        }
    }

    @Override
    public void serviceChanged(ServiceEvent event) {
        ServiceReference<?> ref = event.getServiceReference();
        switch (event.getType()) {
            case ServiceEvent.REGISTERED -> publish(ref);
            case ServiceEvent.MODIFIED -> modified(ref);
            case ServiceEvent.MODIFIED_ENDMATCH, ServiceEvent.UNREGISTERING -> withdraw(ref);
            default -> {
            }
        }
    }

    /** Publishes views of {@code ref}, unless it has them already or cannot be shared. */
    private void publish(ServiceReference<?> ref) {
        if (!active || published.putIfAbsent(ref, PENDING) != null) {
            return;
        }
        if (ref.getProperty(MultiOpenServices.VIEWS) != null) {
            published.replace(ref, PENDING, REFUSED); // registered with views by its provider (MultiOpenServices.register)
            return;
        }
        String why = refusal(ref);
        if (why != null) {
            if (published.replace(ref, PENDING, REFUSED)) {
                refuse(ref, why);
            }
            return;
        }
        MultiOpenServices.Publication p;
        try {
            p = MultiOpenServices.publishViews(ref, context);
        } catch (IllegalArgumentException e) {
            if (published.replace(ref, PENDING, REFUSED)) {
                LOG.log(Level.WARNING, e.getMessage() + ": not published with views");
            }
            return;
        } catch (IllegalStateException gone) {
            published.remove(ref, PENDING); // unregistered meanwhile, or its bundle stops
            return;
        }
        if (!published.replace(ref, PENDING, new Entry(p, MultiOpenServices.sharedAs(ref))) || ref.getBundle() == null
                || !active) {
            p.unpublish(); // the service went away, or this component stopped, meanwhile
            published.remove(ref);
        }
    }

    /** The provider's service changed: the views take its properties, or are made again for new interfaces. */
    private void modified(ServiceReference<?> ref) {
        Object o = published.get(ref);
        if (o instanceof Entry e && e.sharedAs().equals(MultiOpenServices.sharedAs(ref))) {
            e.publication().update();
            return;
        }
        if (o == PENDING) {
            return; // being published: it reads the properties it finds
        }
        withdraw(ref);
        publish(ref);
    }

    /** The provider's service goes (or is no longer shared): its views are withdrawn; consumers keep their opens. */
    private void withdraw(ServiceReference<?> ref) {
        if (published.remove(ref) instanceof Entry e) {
            e.publication().unpublish();
        }
    }

    /** @return why {@code ref} cannot be shared by scope, or null if it can */
    private String refusal(ServiceReference<?> ref) {
        Bundle b = ref.getBundle();
        if (b == null) {
            return null; // gone: publishViews says so
        }
        if (ref.getProperty(ServiceReader.COMPONENT_ID) != null
                && ref.getProperty(ServiceReader.COMPONENT_NAME) instanceof String name) {
            // A component's service is a factory (scope "bundle") whatever the component's scope: ask SCR.
            ComponentDescriptionDTO d = scr.getComponentDescriptionDTO(b, name);
            if (d != null && d.scope != null && !Constants.SCOPE_SINGLETON.equals(d.scope)) {
                return "its component is " + d.scope + "-scoped";
            }
            return null;
        }
        Object scope = ref.getProperty(Constants.SERVICE_SCOPE);
        return Constants.SCOPE_SINGLETON.equals(scope) ? null : "it is " + scope + "-scoped";
    }

    private static void refuse(ServiceReference<?> ref, String why) {
        Bundle b = ref.getBundle();
        LOG.log(Level.WARNING, () -> "service " + ref.getProperty(Constants.SERVICE_ID) + " of bundle "
                + (b == null ? "?" : ServiceReader.name(b) + " [" + b.getBundleId() + "]") + " shares "
                + MultiOpenServices.sharedAs(ref) + " but " + why + ": not published with views (one object is shared by "
                + "all its consumers: make it singleton-scoped)");
    }
}
