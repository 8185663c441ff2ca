package cs.resources.impl;

import cs.resources.osgi.MultiOpenServices;
import java.lang.System.Logger.Level;
import java.util.Collection;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceListener;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.hooks.service.EventListenerHook;
import org.osgi.framework.hooks.service.FindHook;
import org.osgi.framework.hooks.service.ListenerHook.ListenerInfo;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * Gives every consumer of a MultiOpen service a view of its own, by default: each service
 * registered under a MultiOpen interface (a Declarative Services component built on
 * {@link cs.resources.AbstractMultiOpen}, or a MultiOpen registered by hand) is republished with
 * per-bundle views ({@link MultiOpenServices#republish}), and the original is hidden from every
 * other bundle by a {@link FindHook} and an {@link EventListenerHook}, as Karaf hides the services
 * it guards. The copy has the original's interfaces, properties and registering bundle, so a
 * consumer's references and filters match it as they matched the original; the original is got
 * only when the first consumer gets a view (a delayed component is activated by its first real
 * consumer, as without this).
 *
 * <p>Not republished: services already published with views ({@value MultiOpenServices#VIEWS}),
 * services registered under a class rather than interfaces (logged once), and anything this bundle
 * or the system bundle looks up. Consumers that got an original before this component started keep
 * it, without per-bundle accounting. When this component stops, the copies are withdrawn and the
 * originals are visible again to new look-ups (consumers keep the views they hold and the opens
 * made through them).
 *
 * <p>Thread-safe: the republished services are in a concurrent map; the framework calls the hooks
 * and the listener in any thread.
 */
@Component(service = {}, immediate = true)
public final class Republisher implements FindHook, EventListenerHook, ServiceListener {

    private static final System.Logger LOG = System.getLogger(Republisher.class.getName());

    private final BundleContext context;
    private final long self;
    /** Originals hidden from other bundles, and their copies. */
    private final Map<ServiceReference<?>, Object> hidden = new ConcurrentHashMap<>();
    /** Originals that cannot be republished, already reported. */
    private final Set<ServiceReference<?>> refused = ConcurrentHashMap.newKeySet();
    private final ServiceRegistration<?> hooks;
    private volatile boolean active = true;

    @Activate
    public Republisher(BundleContext context) throws InvalidSyntaxException {
        this.context = context;
        this.self = context.getBundle().getBundleId();
        context.addServiceListener(this);
        hooks = context.registerService(new String[] {FindHook.class.getName(), EventListenerHook.class.getName()}, this, null);
        ServiceReference<?>[] existing = context.getAllServiceReferences(null, null);
        if (existing != null) {
            for (ServiceReference<?> ref : existing) {
                consider(ref);
            }
        }
    }

    @Deactivate
    void deactivate() {
        active = false;
        // Hooks first: a consumer that loses a copy finds the original again.
        hooks.unregister();
        context.removeServiceListener(this);
        for (Object r : hidden.values()) {
            if (r instanceof MultiOpenServices.Republished republished) {
                republished.unregister();
            }
        }
        hidden.clear();
        refused.clear();
    }

    // ------------------------------------------------------------------------------------ hooks

    @Override
    public void find(BundleContext asking, String name, String filter, boolean allServices,
            Collection<ServiceReference<?>> references) {
        if (!hides(asking)) {
            return;
        }
        references.removeIf(this::isHidden);
    }

    @Override
    public void event(ServiceEvent event, Map<BundleContext, Collection<ListenerInfo>> listeners) {
        ServiceReference<?> ref = event.getServiceReference();
        if (event.getType() == ServiceEvent.REGISTERED && active && candidate(ref)) {
            // Decided before anyone hears of it; the copy is registered when this bundle's
            // listener gets the event (serviceChanged).
            hidden.putIfAbsent(ref, PENDING);
        }
        if (isHidden(ref)) {
            listeners.keySet().removeIf(this::hides);
        }
    }

    private boolean hides(BundleContext asking) {
        if (!active) {
            return false;
        }
        long id;
        try {
            id = asking.getBundle().getBundleId();
        } catch (IllegalStateException gone) {
            return true;
        }
        return id != self && id != 0;
    }

    private boolean isHidden(ServiceReference<?> ref) {
        return active && hidden.containsKey(ref);
    }

    // --------------------------------------------------------------------------------- listener

    @Override
    public void serviceChanged(ServiceEvent event) {
        ServiceReference<?> ref = event.getServiceReference();
        switch (event.getType()) {
            case ServiceEvent.REGISTERED -> consider(ref);
            case ServiceEvent.MODIFIED -> {
                if (hidden.get(ref) instanceof MultiOpenServices.Republished r) {
                    r.setProperties(properties(ref));
                }
            }
            case ServiceEvent.UNREGISTERING -> {
                refused.remove(ref);
                if (hidden.remove(ref) instanceof MultiOpenServices.Republished r) {
                    r.unregister();
                }
            }
            default -> {
            }
        }
    }

    /** Republishes {@code ref} if it is a MultiOpen service of another bundle's. */
    private void consider(ServiceReference<?> ref) {
        if (!active || !candidate(ref)) {
            hidden.remove(ref, PENDING);
            return;
        }
        if (hidden.get(ref) instanceof MultiOpenServices.Republished) {
            return;
        }
        hidden.put(ref, PENDING); // hidden from now on, also when found at start
        try {
            MultiOpenServices.Republished r = MultiOpenServices.republish(ref, context, properties(ref));
            if (!hidden.replace(ref, PENDING, r)) {
                r.unregister(); // the original went away meanwhile
            }
        } catch (IllegalStateException | IllegalArgumentException e) {
            hidden.remove(ref, PENDING);
            LOG.log(Level.DEBUG, () -> "not republishing service " + ref.getProperty(Constants.SERVICE_ID) + ": " + e.getMessage());
        }
    }

    /** Whether {@code ref} is a MultiOpen service this component republishes. */
    private boolean candidate(ServiceReference<?> ref) {
        if (ref.getProperty(MultiOpenServices.VIEWS) != null) {
            return false; // published with views already (ours, or by hand)
        }
        Bundle owner = ref.getBundle();
        if (owner == null || owner.getBundleId() == self) {
            return false;
        }
        if (refused.contains(ref)) {
            return false;
        }
        String why = MultiOpenServices.whyNotRepublishable(ref).orElse(null);
        if (why == null) {
            return true;
        }
        if (!why.startsWith("not a MultiOpen") && !why.equals("unregistered") && refused.add(ref)) {
            LOG.log(Level.INFO, () -> "MultiOpen service " + ref.getProperty(Constants.SERVICE_ID) + " of bundle "
                    + owner.getSymbolicName() + " is used as registered, without per-bundle accounting: " + why);
        }
        return false;
    }

    /** The original's properties, less those the framework sets. */
    private static Dictionary<String, Object> properties(ServiceReference<?> ref) {
        Dictionary<String, Object> props = new Hashtable<>();
        for (String key : ref.getPropertyKeys()) {
            switch (key) {
                case Constants.SERVICE_ID, Constants.SERVICE_BUNDLEID, Constants.SERVICE_SCOPE, Constants.OBJECTCLASS -> {
                }
                default -> props.put(key, ref.getProperty(key));
            }
        }
        return props;
    }

    /** Marks an original being republished: hidden already, its copy not registered yet. */
    private static final Object PENDING = new Object();
}
