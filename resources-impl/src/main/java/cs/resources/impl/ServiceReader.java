package cs.resources.impl;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.util.tracker.ServiceTracker;
import org.osgi.util.tracker.ServiceTrackerCustomizer;

/**
 * The rules that keep listing free of side effects, in one place for the three listings
 * ({@link RunStateTracking}, {@link MultiOpenListing}, {@link PoolListing}).
 *
 * <ul>
 *   <li>Services are tracked by reference ({@link ByReference}): tracking gets no service object.
 *   <li>A service object is got only to be read, and released at once ({@link #read}), and only
 *       when getting it runs no code of its provider's ({@link #mayGet}): a plain registered
 *       object (singleton scope), or a Declarative Services component that
 *       {@link ServiceComponentRuntime} reports active. A delayed component nobody uses, or a
 *       bundle- or prototype-scoped factory, is not got: the listings show it as unused.
 *   <li>The only user code a listing runs is the read-only queries of the listed objects, with no
 *       lock of the runtime's held.
 * </ul>
 *
 * <p>Thread-safe: it keeps no state but the bundle context and where to find SCR.
 */
final class ServiceReader {

    static final String COMPONENT_ID = "component.id";
    static final String COMPONENT_NAME = "component.name";

    private final BundleContext context;
    /** SCR, when it is there: tells whether a component is active. */
    private final Supplier<ServiceComponentRuntime> scr;

    ServiceReader(BundleContext context, Supplier<ServiceComponentRuntime> scr) {
        this.context = context;
        this.scr = scr;
    }

    BundleContext context() {
        return context;
    }

    /** Tracks service references only: no service object is got to track a service. */
    static class ByReference<S> implements ServiceTrackerCustomizer<S, ServiceReference<S>> {
        @Override
        public ServiceReference<S> addingService(ServiceReference<S> ref) {
            return ref;
        }

        @Override
        public void modifiedService(ServiceReference<S> ref, ServiceReference<S> same) {
        }

        @Override
        public void removedService(ServiceReference<S> ref, ServiceReference<S> same) {
        }
    }

    /**
     * Whether getting {@code ref}'s service runs none of its provider's code: a plain object, or a
     * Declarative Services component that is already active (getting a delayed one that is not
     * would activate it).
     */
    boolean mayGet(ServiceReference<?> ref) {
        if (ref.getProperty(COMPONENT_ID) != null) {
            return componentActive(ref);
        }
        return Constants.SCOPE_SINGLETON.equals(ref.getProperty(Constants.SERVICE_SCOPE));
    }

    private boolean componentActive(ServiceReference<?> ref) {
        ServiceComponentRuntime runtime = scr.get();
        Bundle b = ref.getBundle();
        if (runtime == null || b == null || !(ref.getProperty(COMPONENT_NAME) instanceof String name)
                || !(ref.getProperty(COMPONENT_ID) instanceof Long id)) {
            return false;
        }
        ComponentDescriptionDTO d = runtime.getComponentDescriptionDTO(b, name);
        if (d == null) {
            return false;
        }
        for (ComponentConfigurationDTO c : runtime.getComponentConfigurationDTOs(d)) {
            if (c.id == id) {
                return c.state == ComponentConfigurationDTO.ACTIVE;
            }
        }
        return false;
    }

    /**
     * Reads a service if that is free of side effects: gets it, applies {@code read}, releases it.
     *
     * @return what {@code read} returned; null if the service may not be got or is gone
     */
    <S, R> R read(ServiceReference<S> ref, Function<? super S, R> read) {
        if (!mayGet(ref)) {
            return null;
        }
        S service;
        try {
            service = context.getService(ref);
        } catch (IllegalStateException | IllegalArgumentException gone) {
            return null;
        }
        if (service == null) {
            return null;
        }
        try {
            return read.apply(service);
        } finally {
            try {
                context.ungetService(ref);
            } catch (IllegalStateException gone) {
                // this bundle is stopping
            }
        }
    }

    /** @return what {@code tracker} tracks now, in the tracker's order */
    static <S> List<ServiceReference<S>> references(ServiceTracker<S, ServiceReference<S>> tracker) {
        Map<ServiceReference<S>, ServiceReference<S>> tracked = new LinkedHashMap<>(tracker.getTracked());
        return new ArrayList<>(tracked.keySet());
    }

    static long serviceId(ServiceReference<?> ref) {
        return (Long) ref.getProperty(Constants.SERVICE_ID);
    }

    /** @return how the runtime names a bundle: its symbolic name, or {@code bundle-<id>} */
    static String name(Bundle b) {
        String bsn = b.getSymbolicName();
        return bsn != null ? bsn : "bundle-" + b.getBundleId();
    }
}
