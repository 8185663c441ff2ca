package cs.resources.osgi;

import cs.resources.LeakDetection;
import cs.resources.MultiOpen;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.Hashtable;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.osgi.annotation.versioning.ProviderType;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.wiring.BundleWiring;

/**
 * MultiOpen services whose opens belong to the bundles that make them.
 *
 * <p>A MultiOpen published through this class is registered as a bundle-scoped service factory:
 * each bundle that gets the service receives a <em>view</em> of its own, a proxy that implements
 * every interface the service is registered under (so a service registered as
 * {@code SqlDatabase extends MultiOpen} is used as a {@code SqlDatabase}). Calls are forwarded to
 * the shared object, except the opens and closes, which the view counts as the bundle's:
 *
 * <ul>
 *   <li>every {@code open()} and {@code acquire()} through the view is an open of the shared object
 *       owned by the bundle; a {@code close()} releases the bundle's latest open, a handle
 *       releases its own; a bundle's extra close releases nothing of another bundle's (it logs a
 *       warning; a close by a bundle that never opened throws "close before open");</li>
 *   <li>when the framework releases the service for the bundle (the bundle stops, is updated,
 *       refreshed or uninstalled, or ungets the service), the opens it still holds are closed for
 *       it, in the background, with one warning naming the bundle and how many it left (and, with
 *       {@link LeakDetection} on, where they were made); the view then refuses new opens;</li>
 *   <li>when the service is unregistered (its provider goes away), the bundles keep what they
 *       hold, as they would keep any object: the shared object stays alive until the last of them
 *       closes; a bundle that stops before that has its opens closed for it.</li>
 * </ul>
 *
 * <p>A provider registering a MultiOpen by hand gets this with one call, {@link #register}. With
 * the cs.resources runtime ({@code cs.resources.impl}) installed, every service registered under
 * a MultiOpen interface (a Declarative Services component built on
 * {@link cs.resources.AbstractMultiOpen} among them) is republished this way by default.
 *
 * <p>Thread-safe. The closing of a departed bundle's opens runs on a daemon thread of this
 * class ({@value #RELEASE_THREAD}), never in the framework's thread that released the service,
 * so a slow shutdown never holds up a bundle's stop.
 */
public final class MultiOpenServices {

    /** The service property that marks a service registered with per-bundle views. */
    public static final String VIEWS = "cs.resources.views";
    /** On a republished service: the {@code service.id} of the service it republishes. */
    public static final String ORIGINAL_SERVICE_ID = "cs.resources.original.service.id";
    /** The name of the thread that closes the opens departed bundles left. */
    public static final String RELEASE_THREAD = "cs.resources-release";

    /** Every publication not yet forgotten (registered, or unregistered with opens still held). */
    static final Set<ViewService> PUBLISHED = new CopyOnWriteArraySet<>();

    /** Closes what departed bundles left: one daemon thread, made on demand, gone when idle. */
    static final Executor RELEASER;

    static {
        ThreadPoolExecutor e = new ThreadPoolExecutor(1, 1, 5, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, RELEASE_THREAD);
            t.setDaemon(true);
            return t;
        });
        e.allowCoreThreadTimeOut(true);
        RELEASER = e;
    }

    private MultiOpenServices() {
    }

    /**
     * Registers {@code shared} as a service with per-bundle views (the one documented call for a
     * provider that registers by hand). Unregister it with the returned registration.
     *
     * <pre>{@code
     * ServiceRegistration<?> reg = MultiOpenServices.register(context, database, null, SqlDatabase.class);
     * }</pre>
     *
     * @param context the registering bundle's context
     * @param shared the shared object; it must implement every interface in {@code interfaces}
     * @param properties the service properties; may be null
     * @param interfaces the interfaces to register under: at least one, each an interface, and at
     *     least one of them {@link MultiOpen} or a subtype
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
        Class<?>[] types = checkInterfaces(interfaces);
        for (Class<?> c : types) {
            if (!c.isInstance(shared)) {
                throw new IllegalArgumentException("register: " + shared.getClass().getName() + " does not implement "
                        + c.getName());
            }
        }
        Bundle registrant = context.getBundle();
        ViewService service = new ViewService(types, loaderOf(registrant, types), registrant, shared, null, null,
                watcher(context));
        Dictionary<String, Object> props = new Hashtable<>();
        if (properties != null) {
            for (Enumeration<String> keys = properties.keys(); keys.hasMoreElements(); ) {
                String k = keys.nextElement();
                props.put(k, properties.get(k));
            }
        }
        props.put(VIEWS, Boolean.TRUE);
        @SuppressWarnings("unchecked")
        ServiceRegistration<Object> reg = (ServiceRegistration<Object>) context.registerService(names(types), service, props);
        service.registered(reg);
        return new Registration(reg, service);
    }

    /**
     * Republishes an existing MultiOpen service with per-bundle views, for a runtime that hides the
     * original from other bundles (as the cs.resources runtime does, with service hooks). The copy
     * is registered by the original's bundle, under the same interfaces and properties (plus
     * {@value #VIEWS} and {@value #ORIGINAL_SERVICE_ID}); the original is got through
     * {@code getter} when the first bundle gets a view (not before: a delayed component is not
     * activated by this call) and released when the last view is.
     *
     * @param original the service to republish
     * @param getter the context to get the original through
     * @param properties the properties of the copy (without {@code service.id} and the like)
     * @return the publication, to update with {@link Republished#setProperties} and withdraw with
     *     {@link Republished#unregister()}
     * @throws IllegalArgumentException if the original is not registered under interfaces only, or
     *     under no MultiOpen type, or its bundle cannot load them
     * @throws IllegalStateException if the original's bundle has no valid context (it is stopping)
     * @throws NullPointerException if an argument is null
     */
    public static Republished republish(ServiceReference<?> original, BundleContext getter,
            Dictionary<String, ?> properties) {
        Objects.requireNonNull(original, "original");
        Objects.requireNonNull(getter, "getter");
        Objects.requireNonNull(properties, "properties");
        Bundle owner = original.getBundle();
        if (owner == null) {
            throw new IllegalStateException("republish: service " + original.getProperty(Constants.SERVICE_ID)
                    + " is no longer registered");
        }
        Class<?>[] types = checkInterfaces(load(owner, (String[]) original.getProperty(Constants.OBJECTCLASS)));
        BundleContext ownerContext = owner.getBundleContext();
        if (ownerContext == null) {
            throw new IllegalStateException("republish: bundle " + describe(owner) + " has no valid context");
        }
        ViewService service = new ViewService(types, loaderOf(owner, types), owner, null, original, getter,
                watcher(getter));
        Dictionary<String, Object> props = new Hashtable<>();
        for (Enumeration<String> keys = properties.keys(); keys.hasMoreElements(); ) {
            String k = keys.nextElement();
            props.put(k, properties.get(k));
        }
        props.put(VIEWS, Boolean.TRUE);
        props.put(ORIGINAL_SERVICE_ID, original.getProperty(Constants.SERVICE_ID));
        @SuppressWarnings("unchecked")
        ServiceRegistration<Object> reg = (ServiceRegistration<Object>) ownerContext.registerService(names(types), service, props);
        service.registered(reg);
        return new Republished(service);
    }

    /**
     * Whether a service is registered under a MultiOpen type that {@link #republish} can proxy:
     * interfaces only, each loadable by the registering bundle, at least one a MultiOpen.
     *
     * @param ref a service
     * @return the reason it cannot be republished, or empty if it can; a service of no MultiOpen
     *     type gives "not a MultiOpen"
     * @throws NullPointerException if {@code ref} is null
     */
    public static Optional<String> whyNotRepublishable(ServiceReference<?> ref) {
        Objects.requireNonNull(ref, "ref");
        Bundle owner = ref.getBundle();
        if (owner == null) {
            return Optional.of("unregistered");
        }
        String[] names = (String[]) ref.getProperty(Constants.OBJECTCLASS);
        boolean multiOpen = false;
        String unloadable = null;
        for (String name : names) {
            try {
                multiOpen |= MultiOpen.class.isAssignableFrom(owner.loadClass(name));
            } catch (ClassNotFoundException | IllegalStateException e) {
                unloadable = name;
            }
        }
        if (!multiOpen) {
            return Optional.of("not a MultiOpen");
        }
        if (unloadable != null) {
            return Optional.of("bundle " + describe(owner) + " cannot load " + unloadable);
        }
        try {
            checkInterfaces(load(owner, names));
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
    }

    /**
     * @return what is published with views now: registered services, and services unregistered
     *     while bundles still hold opens of them
     */
    public static List<Published> published() {
        return List.copyOf(new ArrayList<>(PUBLISHED));
    }

    /**
     * @param ref a service
     * @return the publication, if {@code ref} is a service registered with views
     * @throws NullPointerException if {@code ref} is null
     */
    public static Optional<Published> published(ServiceReference<?> ref) {
        Objects.requireNonNull(ref, "ref");
        for (ViewService s : PUBLISHED) {
            if (s.reference().filter(ref::equals).isPresent()) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    // ------------------------------------------------------------------------------------ types

    /** A MultiOpen service published with per-bundle views, as monitoring sees it. Read-only. */
    @ProviderType
    public interface Published {
        /** @return the service with views, while it is registered */
        Optional<ServiceReference<?>> reference();

        /**
         * @return the {@code service.id} of the provider's registration (also once it is
         *     unregistered): for a republished service the original's, which the provider knows
         *     (consumers see the copy's, {@link #reference()}); otherwise the service's own
         */
        long serviceId();

        /** @return the service this republishes, for a republished one */
        Optional<ServiceReference<?>> original();

        /** @return the bundle that registered the service (for a republished one, the original's) */
        Bundle registrant();

        /** @return the interfaces the service is registered under */
        List<String> interfaces();

        /**
         * @return the shared object, if it exists for this publication: always for a hand
         *     registration; for a republished one only while a bundle uses a view (it is never got
         *     just to be looked at)
         */
        Optional<MultiOpen> shared();

        /** @return whether the service is registered (false: its provider went away, opens remain) */
        boolean isRegistered();

        /** @return the bundles holding opens through their views, by bundle id */
        List<BundleOpens> opens();
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

    /** A republished service: update it as the original changes, withdraw it when it goes. */
    public static final class Republished {
        private final ViewService service;

        private Republished(ViewService service) {
            this.service = service;
        }

        /** @return the publication */
        public Published published() {
            return service;
        }

        /**
         * @param properties the copy's new properties (the markers are added again)
         * @throws NullPointerException if {@code properties} is null
         */
        public void setProperties(Dictionary<String, ?> properties) {
            Objects.requireNonNull(properties, "properties");
            Dictionary<String, Object> props = new Hashtable<>();
            for (Enumeration<String> keys = properties.keys(); keys.hasMoreElements(); ) {
                String k = keys.nextElement();
                props.put(k, properties.get(k));
            }
            props.put(VIEWS, Boolean.TRUE);
            service.original().ifPresent(o -> props.put(ORIGINAL_SERVICE_ID, o.getProperty(Constants.SERVICE_ID)));
            service.setProperties(props);
        }

        /** Withdraws the copy; bundles keep the opens they hold. Idempotent. */
        public void unregister() {
            service.unregister();
        }
    }

    /** The registration {@link #register} returns: its unregistration detaches the views. */
    private static final class Registration implements ServiceRegistration<Object> {
        private final ServiceRegistration<Object> delegate;
        private final ViewService service;

        Registration(ServiceRegistration<Object> delegate, ViewService service) {
            this.delegate = delegate;
            this.service = service;
        }

        @Override
        public ServiceReference<Object> getReference() {
            return delegate.getReference();
        }

        @Override
        public void setProperties(Dictionary<String, ?> properties) {
            Dictionary<String, Object> props = new Hashtable<>();
            for (Enumeration<String> keys = properties.keys(); keys.hasMoreElements(); ) {
                String k = keys.nextElement();
                props.put(k, properties.get(k));
            }
            props.put(VIEWS, Boolean.TRUE);
            delegate.setProperties(props);
        }

        @Override
        public void unregister() {
            service.unregister();
        }
    }

    // ---------------------------------------------------------------------------------- helpers

    private static Class<?>[] checkInterfaces(Class<?>[] interfaces) {
        if (interfaces.length == 0) {
            throw new IllegalArgumentException("register: give at least one interface");
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
                throw new IllegalArgumentException("register: " + c.getName()
                        + " is a class; per-bundle views need interface types");
            }
        }
        return types.toArray(new Class<?>[0]);
    }

    private static Class<?>[] load(Bundle owner, String[] names) {
        Class<?>[] types = new Class<?>[names.length];
        for (int i = 0; i < names.length; i++) {
            try {
                types[i] = owner.loadClass(names[i]);
            } catch (ClassNotFoundException | IllegalStateException e) {
                throw new IllegalArgumentException("bundle " + describe(owner) + " cannot load " + names[i]);
            }
        }
        return types;
    }

    private static String[] names(Class<?>[] types) {
        String[] names = new String[types.length];
        for (int i = 0; i < types.length; i++) {
            names[i] = types[i].getName();
        }
        return names;
    }

    /** The class loader the proxies are defined in: the registrant's, which sees every interface. */
    private static ClassLoader loaderOf(Bundle registrant, Class<?>[] types) {
        BundleWiring wiring = registrant.adapt(BundleWiring.class);
        ClassLoader loader = wiring != null ? wiring.getClassLoader() : null;
        return loader != null ? loader : types[0].getClassLoader();
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

    static String name(Bundle b) {
        String bsn = b.getSymbolicName();
        return bsn != null ? bsn : "bundle-" + b.getBundleId();
    }

    static String describe(Bundle b) {
        return name(b) + " [" + b.getBundleId() + "]";
    }
}
