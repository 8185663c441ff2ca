package cs.resources.osgi;

import cs.resources.LeakDetection;
import cs.resources.MultiOpen;
import cs.resources.osgi.internal.ViewService;
import java.util.Collection;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.Hashtable;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.osgi.annotation.versioning.ProviderType;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;

/**
 * MultiOpen services whose opens belong to the bundles that make them.
 *
 * <p>A MultiOpen published with views is registered as a bundle-scoped service factory: each
 * bundle that gets the service receives a <em>view</em> of its own, an object of a class made for
 * the service's interfaces (so a service published as {@code SqlDatabase extends MultiOpen} is used
 * as a {@code SqlDatabase}). Calls are forwarded to the shared object, except the opens and closes,
 * which the view counts as the bundle's:
 *
 * <ul>
 *   <li>every {@code open()} and {@code acquire()} through the view is an open owned by the bundle;
 *       a {@code close()} releases one of the bundle's opens, a handle its own; a bundle's extra
 *       close releases nothing of another bundle's (it logs a warning; a close by a bundle that
 *       never opened throws "close before open"). While a bundle holds any open, its view holds
 *       one open of the shared object: the shared object's own {@code openCount()} counts each such
 *       bundle once, and a view's {@code openCount()} counts every open of every bundle;</li>
 *   <li>when the framework releases the service for the bundle (the bundle stops, is updated,
 *       refreshed or uninstalled, or ungets the service), the opens it still holds are closed for
 *       it, in the background, with one warning naming the bundle and how many it left (and, with
 *       {@link LeakDetection} on, where they were made); the view then refuses new opens;</li>
 *   <li>when the service goes away (its provider unregisters it, is deactivated, or its bundle
 *       stops), the bundles keep what they hold, as they would keep any object: the shared object
 *       stays alive until the last of them closes. Their views refuse new opens, with a
 *       {@link cs.resources.ClosedException} naming the provider, before anything runs; a bundle
 *       that stops before closing has its opens closed for it.</li>
 * </ul>
 *
 * <p>Two ways to publish: a provider registers its shared object under {@link Shared} with the
 * property {@value #SHARED_AS} ({@link SharedAs} in a Declarative Services component), and the
 * cs.resources runtime ({@code cs.resources.impl}) publishes the views, through
 * {@link #publishViews}; or a provider that registers by hand calls {@link #register}, which needs
 * no runtime.
 *
 * <p>Thread-safe. The closing of a departed bundle's opens runs on a daemon thread of this
 * class ({@value #RELEASE_THREAD}), never in the framework's thread that released the service,
 * so a slow shutdown never holds up a bundle's stop.
 */
public final class MultiOpenServices {

    /** The service property that marks a registration with per-bundle views (value {@code true}). */
    public static final String VIEWS = "cs.resources.views";
    /**
     * On views the runtime publishes: the {@code service.id} of the provider's registration (the
     * one registered under {@link Shared}). A consumer that must bind to one provider targets this
     * (or a property of the provider's own), not {@code service.id}: the views' registration has an
     * id of its own, which changes when the runtime is restarted.
     */
    public static final String ORIGINAL_SERVICE_ID = "cs.resources.original.service.id";
    /**
     * The service property by which a provider shares its MultiOpen through views: the names of the
     * interfaces its consumers bind to ({@code String} or {@code String[]}). Set by {@link SharedAs}.
     */
    public static final String SHARED_AS = "cs.resources.shared.as";
    /** The name of the thread that closes the opens departed bundles left. */
    public static final String RELEASE_THREAD = "cs.resources-release";

    private MultiOpenServices() {
    }

    /**
     * Registers {@code shared} as a service with per-bundle views (the one call for a provider that
     * registers by hand; no runtime needed). Unregister it with the returned registration; if the
     * framework unregisters it (the provider's bundle stops), consumers keep their opens all the
     * same.
     *
     * <pre>{@code
     * ServiceRegistration<?> reg = MultiOpenServices.register(context, database, null, SqlDatabase.class);
     * }</pre>
     *
     * @param context the registering bundle's context
     * @param shared the shared object; it must implement every interface in {@code interfaces}
     * @param properties the service properties; may be null
     * @param interfaces the interfaces to register under: at least one, each a public interface,
     *     and at least one of them {@link MultiOpen} or a subtype
     * @return the registration
     * @throws IllegalArgumentException if {@code interfaces} is empty, holds a class that is not an
     *     interface, none of them is a MultiOpen, or {@code shared} does not implement one of them
     * @throws NullPointerException if {@code context}, {@code shared}, {@code interfaces} or one of
     *     its elements is null
     * @throws IllegalStateException if {@code context} is no longer valid
     */
    public static ServiceRegistration<?> register(BundleContext context, MultiOpen shared,
            Dictionary<String, ?> properties, Class<?>... interfaces) {
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(shared, "shared");
        Objects.requireNonNull(interfaces, "interfaces");
        Class<?>[] types = checkInterfaces("register", interfaces);
        for (Class<?> c : types) {
            if (!c.isInstance(shared)) {
                throw new IllegalArgumentException("register: " + shared.getClass().getName() + " does not implement "
                        + c.getName());
            }
        }
        Dictionary<String, Object> props = copy(properties);
        props.put(VIEWS, Boolean.TRUE);
        ViewService service = ViewService.register(context, shared, types, props, watcher(context));
        return new Registration(service);
    }

    /**
     * Publishes per-bundle views of a provider's shared service: what the cs.resources runtime
     * does for every service with the property {@value #SHARED_AS}. The views are registered
     * through the provider's own context (as an extender registers for the bundles it extends),
     * under the interfaces the property names, with the provider's properties (but
     * {@value #SHARED_AS}) and {@value #VIEWS} and {@value #ORIGINAL_SERVICE_ID}. The provider's
     * service is got, through the provider's context, when the first bundle gets a view (not
     * before: a delayed component is not activated by this call), and released after the last.
     * The caller checks the service's scope: one object is shared, so it must be a singleton.
     *
     * @param original the provider's service
     * @param caller the caller's context, to watch for stopping bundles with if the API bundle is
     *     not started
     * @return the publication, to update as the provider's service changes and to withdraw when it
     *     goes
     * @throws IllegalArgumentException if the service cannot be published with views, with the
     *     reason: no {@value #SHARED_AS} property, interfaces its bundle cannot load, types that are
     *     not public interfaces, none a {@link MultiOpen} of this API, or a service registered
     *     under one of the interfaces it shares (its consumers would find the object itself)
     * @throws IllegalStateException if the service is unregistered or its bundle is stopping
     * @throws NullPointerException if an argument is null
     */
    public static Publication publishViews(ServiceReference<?> original, BundleContext caller) {
        Objects.requireNonNull(original, "original");
        Objects.requireNonNull(caller, "caller");
        Bundle provider = original.getBundle();
        if (provider == null) {
            throw new IllegalStateException("service " + original.getProperty(Constants.SERVICE_ID) + " is no longer registered");
        }
        String what = "service " + original.getProperty(Constants.SERVICE_ID) + " of bundle " + describe(provider);
        List<String> names = sharedAs(original);
        if (names.isEmpty()) {
            throw new IllegalArgumentException(what + " has no " + SHARED_AS + " property naming the interfaces it shares");
        }
        List<String> objectClass = List.of((String[]) original.getProperty(Constants.OBJECTCLASS));
        for (String n : names) {
            if (objectClass.contains(n)) {
                throw new IllegalArgumentException(what + " is registered under " + n + ", which it shares: its consumers "
                        + "would find the object itself; register it under " + Shared.class.getName() + " only");
            }
        }
        Class<?>[] types = new Class<?>[names.size()];
        for (int i = 0; i < types.length; i++) {
            try {
                types[i] = provider.loadClass(names.get(i));
            } catch (ClassNotFoundException | IllegalStateException e) {
                throw new IllegalArgumentException(what + " shares " + names.get(i) + ", which its bundle cannot load");
            }
        }
        types = checkInterfaces(what + " shares", types);
        ViewService service = ViewService.publish(original, types, viewProperties(original), watcher(caller));
        return new Publication(service);
    }

    /**
     * @param ref a service
     * @return the interface names its {@value #SHARED_AS} property gives, in order, without
     *     repeats; empty if it has none
     * @throws NullPointerException if {@code ref} is null
     */
    public static List<String> sharedAs(ServiceReference<?> ref) {
        Object v = ref.getProperty(SHARED_AS);
        Set<String> names = new LinkedHashSet<>();
        if (v instanceof String s) {
            names.add(s.trim());
        } else if (v instanceof String[] a) {
            for (String s : a) {
                names.add(s.trim());
            }
        } else if (v instanceof Collection<?> c) {
            for (Object o : c) {
                names.add(String.valueOf(o).trim());
            }
        }
        names.remove("");
        return List.copyOf(names);
    }

    /** The views' properties: the provider's, less those the framework sets and {@value #SHARED_AS}. */
    private static Dictionary<String, Object> viewProperties(ServiceReference<?> original) {
        Dictionary<String, Object> props = new Hashtable<>();
        for (String key : original.getPropertyKeys()) {
            switch (key) {
                case Constants.SERVICE_ID, Constants.SERVICE_BUNDLEID, Constants.SERVICE_SCOPE, Constants.OBJECTCLASS,
                        SHARED_AS -> {
                }
                default -> props.put(key, original.getProperty(key));
            }
        }
        props.put(VIEWS, Boolean.TRUE);
        props.put(ORIGINAL_SERVICE_ID, original.getProperty(Constants.SERVICE_ID));
        return props;
    }

    /**
     * @return what is published with views now: registered services, and services unregistered
     *     while bundles still hold opens of them
     */
    public static List<Published> published() {
        return ViewService.all();
    }

    /**
     * @param ref a service
     * @return the publication, if {@code ref} is a registration with views (or the provider's
     *     service that one shows views of)
     * @throws NullPointerException if {@code ref} is null
     */
    public static Optional<Published> published(ServiceReference<?> ref) {
        Objects.requireNonNull(ref, "ref");
        for (Published p : ViewService.all()) {
            if (p.reference().filter(ref::equals).isPresent() || p.original().filter(ref::equals).isPresent()) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    // ------------------------------------------------------------------------------------ types

    /** A MultiOpen published with per-bundle views, as monitoring sees it. Read-only. */
    @ProviderType
    public interface Published {
        /** @return the views' registration, while it is registered */
        Optional<ServiceReference<?>> reference();

        /**
         * @return the {@code service.id} of the provider's registration (also once it is
         *     unregistered): for views the runtime publishes, the service registered under
         *     {@link Shared} (consumers see the views' own, {@link #reference()}); for a hand
         *     registration, its own
         */
        long serviceId();

        /** @return the provider's service the views show, for views the runtime publishes */
        Optional<ServiceReference<?>> original();

        /** @return the provider's bundle */
        Bundle registrant();

        /** @return the interfaces the views are registered under */
        List<String> interfaces();

        /**
         * @return the shared object, if it exists for this publication: always for a hand
         *     registration; for views the runtime publishes, only while a bundle uses a view (it is
         *     never got just to be looked at)
         */
        Optional<MultiOpen> shared();

        /** @return whether the views are registered (false: the service went away, opens remain) */
        boolean isRegistered();

        /** @return the bundles holding opens through their views, by bundle id */
        List<BundleOpens> opens();

        /**
         * @return the shared object's opens as its users see them: each bundle's opens counted one
         *     by one (in the shared object's own count, a bundle holding opens counts once), plus
         *     the opens made on the object itself; 0 while the object does not exist
         */
        int openCount();
    }

    /**
     * The opens one bundle holds of a MultiOpen service, through its view.
     *
     * @param bundleId the bundle's id
     * @param bundle its symbolic name
     * @param opens how many it holds
     * @param holders where they were made, as {@link LeakDetection} recorded it (empty while off)
     */
    public record BundleOpens(long bundleId, String bundle, int opens, List<LeakDetection.Holder> holders) {
        /**
         * @param bundleId the bundle's id
         * @param bundle its symbolic name
         * @param opens how many it holds
         * @param holders where they were made
         * @throws NullPointerException if a reference argument is null
         */
        public BundleOpens {
            Objects.requireNonNull(bundle, "bundle");
            holders = List.copyOf(holders);
        }
    }

    /** Views of a provider's service, published by {@link #publishViews}: update them, withdraw them. */
    public static final class Publication {
        private final ViewService service;

        private Publication(ViewService service) {
            this.service = service;
        }

        /** @return the publication, as monitoring sees it */
        public Published published() {
            return service;
        }

        /** The provider's service changed its properties: the views take them again. */
        public void update() {
            service.original().ifPresent(o -> service.setProperties(viewProperties(o)));
        }

        /**
         * Withdraws the views: bundles keep the opens they hold, and their views refuse new ones.
         * Idempotent.
         */
        public void unpublish() {
            service.unregister();
        }
    }

    /** The registration {@link #register} returns: its unregistration detaches the views. */
    private static final class Registration implements ServiceRegistration<Object> {
        private final ViewService service;

        Registration(ViewService service) {
            this.service = service;
        }

        @Override
        public ServiceReference<Object> getReference() {
            @SuppressWarnings("unchecked")
            ServiceReference<Object> ref = (ServiceReference<Object>) service.reference()
                    .orElseThrow(() -> new IllegalStateException("the service is unregistered"));
            return ref;
        }

        @Override
        public void setProperties(Dictionary<String, ?> properties) {
            Dictionary<String, Object> props = copy(properties);
            props.put(VIEWS, Boolean.TRUE);
            service.setProperties(props);
        }

        @Override
        public void unregister() {
            service.unregister();
        }
    }

    // ---------------------------------------------------------------------------------- helpers

    private static Dictionary<String, Object> copy(Dictionary<String, ?> properties) {
        Dictionary<String, Object> props = new Hashtable<>();
        if (properties != null) {
            for (Enumeration<String> keys = properties.keys(); keys.hasMoreElements(); ) {
                String k = keys.nextElement();
                props.put(k, properties.get(k));
            }
        }
        return props;
    }

    private static Class<?>[] checkInterfaces(String what, Class<?>[] interfaces) {
        if (interfaces.length == 0) {
            throw new IllegalArgumentException(what + ": give at least one interface");
        }
        Set<Class<?>> types = new LinkedHashSet<>();
        boolean multiOpen = false;
        for (Class<?> c : interfaces) {
            Objects.requireNonNull(c, "interfaces contains null");
            multiOpen |= MultiOpen.class.isAssignableFrom(c);
            types.add(c);
        }
        if (!multiOpen) {
            throw new IllegalArgumentException("not a MultiOpen: none of " + types.stream().map(Class::getName).toList()
                    + " is " + MultiOpen.class.getName() + " or a subtype");
        }
        for (Class<?> c : types) {
            if (!c.isInterface()) {
                throw new IllegalArgumentException(what + ": " + c.getName()
                        + " is a class; per-bundle views need interface types");
            }
        }
        return types.toArray(new Class<?>[0]);
    }

    /**
     * The context that watches for stopping bundles: this bundle's own if it is started (it
     * outlives providers), else {@code fallback}.
     */
    private static BundleContext watcher(BundleContext fallback) {
        Bundle self = FrameworkUtil.getBundle(MultiOpenServices.class);
        BundleContext own = self != null ? self.getBundleContext() : null;
        return own != null ? own : fallback;
    }

    private static String describe(Bundle b) {
        String bsn = b.getSymbolicName();
        return (bsn != null ? bsn : "bundle-" + b.getBundleId()) + " [" + b.getBundleId() + "]";
    }
}
