package cs.resources.osgi.internal;

import cs.resources.LeakDetection;
import cs.resources.MultiOpen;
import cs.resources.osgi.MultiOpenServices;
import java.lang.System.Logger.Level;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleListener;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceFactory;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;

/**
 * A shared MultiOpen published with per-bundle views: the bundle-scoped {@link ServiceFactory}
 * registered under the interfaces its consumers use. Each bundle that gets the service gets a
 * {@link View} of its own, made by the generated class for those interfaces; the shared object
 * comes from a {@link SharedSource} (given by a hand registration, or borrowed from the
 * provider's own service).
 *
 * <h2>When the framework takes a view back</h2>
 * The framework calls {@link #ungetService} in two cases, told apart by whether the service is
 * still registered (both Felix and Equinox remove a registration from the registry before they
 * release its users):
 * <ul>
 *   <li>the bundle lets go (it ungets the service, or stops, is updated, refreshed or uninstalled):
 *       the view is <em>released</em>, and what the bundle still holds is closed for it on the
 *       {@value MultiOpenServices#RELEASE_THREAD} thread, with one warning;</li>
 *   <li>the service goes away (unregistered by {@link #unregister()}, by its provider, or by the
 *       framework when the provider's bundle stops): the view is <em>detached</em>: the bundle
 *       keeps what it holds and closes it itself; new opens are refused. A bundle that stops
 *       before closing has its detached view released by {@link #bundleChanged}.</li>
 * </ul>
 * The publication is forgotten ({@link #published()}) once it is unregistered and no view holds an
 * open; the shared object is released by its source after the last view is done with.
 *
 * <p>Thread-safe: the views are in concurrent maps; what the views count is theirs (lock-free).
 * No lock is held while the framework or the shared object's code runs.
 */
public final class ViewService implements ServiceFactory<Object>, MultiOpenServices.Published, BundleListener, View.Owner {

    private static final System.Logger LOG = System.getLogger(MultiOpenServices.class.getName());

    /** Every publication not yet forgotten (registered, or unregistered with opens still held). */
    private static final Set<ViewService> PUBLISHED = new CopyOnWriteArraySet<>();

    /** Closes what departed bundles left: one daemon thread, made on demand, gone when idle. */
    private static final Executor RELEASER;

    static {
        ThreadPoolExecutor e = new ThreadPoolExecutor(1, 1, 5, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, MultiOpenServices.RELEASE_THREAD);
            t.setDaemon(true);
            return t;
        });
        e.allowCoreThreadTimeOut(true);
        RELEASER = e;
    }

    private final Class<?>[] interfaces;
    private final MethodHandle viewClass;
    private final Bundle registrant;
    private final SharedSource source;
    /** Where {@link #bundleChanged} is registered, and registrations are looked up. */
    private final BundleContext watcher;

    /** By bundle id: the views given out and not yet released. */
    private final Map<Long, View> views = new ConcurrentHashMap<>();
    /** Views detached by the service's unregistration that still hold opens, by bundle id. */
    private final Map<Long, View> detached = new ConcurrentHashMap<>();

    /** The provider's {@code service.id}; kept after it is unregistered. */
    private volatile long serviceId = -1;
    /** The views' own registration's {@code service.id}. */
    private volatile long registrationId = -1;
    /** The registration; null until registered. */
    private volatile ServiceRegistration<Object> registration;
    /** Set once the registration is (being) unregistered: views are then detached, not released. */
    private volatile boolean unregistering;

    /**
     * @param interfaces the service interfaces (checked by the caller)
     * @param registrant the provider's bundle
     * @param source where the shared object comes from
     * @param watcher a context that outlives the registrant if possible (this bundle's own)
     * @throws IllegalArgumentException if a view cannot implement the interfaces
     */
    ViewService(Class<?>[] interfaces, Bundle registrant, SharedSource source, BundleContext watcher) {
        this.interfaces = interfaces.clone();
        this.viewClass = ViewClasses.constructor(this.interfaces);
        this.registrant = registrant;
        this.source = source;
        this.watcher = watcher;
    }

    /**
     * Publishes a shared object registered by hand: registered through {@code context} under the
     * interfaces, with per-bundle views.
     *
     * @param context the provider's context
     * @param shared the shared object (implementing every interface)
     * @param interfaces the interfaces, checked
     * @param properties the registration's properties
     * @param watcher see {@link #ViewService}
     * @return the publication, registered
     */
    public static ViewService register(BundleContext context, MultiOpen shared, Class<?>[] interfaces,
            Dictionary<String, ?> properties, BundleContext watcher) {
        ViewService s = new ViewService(interfaces, context.getBundle(), new GivenSource(shared), watcher);
        s.register(context, properties, -1);
        return s;
    }

    /**
     * Publishes views of a provider's service: registered through the provider's context (as an
     * extender registers for the bundles it extends), the shared object borrowed from the
     * service at the first view.
     *
     * @param original the provider's service
     * @param interfaces the interfaces its consumers use, checked
     * @param properties the views' registration's properties
     * @param watcher see {@link #ViewService}
     * @return the publication, registered
     * @throws IllegalStateException if the provider's bundle has no valid context (it is stopping)
     */
    public static ViewService publish(ServiceReference<?> original, Class<?>[] interfaces,
            Dictionary<String, ?> properties, BundleContext watcher) {
        Bundle provider = original.getBundle();
        BundleContext context = provider == null ? null : provider.getBundleContext();
        if (context == null) {
            throw new IllegalStateException("service " + original.getProperty(Constants.SERVICE_ID)
                    + " is no longer registered, or its bundle is stopping");
        }
        ViewService s = new ViewService(interfaces, provider, new BorrowedSource(original, context), watcher);
        s.register(context, properties, (Long) original.getProperty(Constants.SERVICE_ID));
        return s;
    }

    private void register(BundleContext context, Dictionary<String, ?> properties, long providerId) {
        String[] names = new String[interfaces.length];
        for (int i = 0; i < names.length; i++) {
            names[i] = interfaces[i].getName();
        }
        serviceId = providerId;
        // Listed and watching before the registration: a consumer may get a view, and stop, while
        // registerService runs (its REGISTERED event is delivered inside it).
        PUBLISHED.add(this);
        try {
            watcher.addBundleListener(this);
        } catch (IllegalStateException gone) {
            // the watching bundle stopped meanwhile: nothing to clean up after later
        }
        ServiceRegistration<Object> r;
        try {
            @SuppressWarnings("unchecked")
            ServiceRegistration<Object> registered = (ServiceRegistration<Object>) context.registerService(names, this,
                    properties);
            r = registered;
        } catch (RuntimeException | Error e) {
            unregistering = true;
            forgetIfIdle();
            throw e;
        }
        registrationId = (Long) r.getReference().getProperty(Constants.SERVICE_ID);
        if (providerId < 0) {
            serviceId = registrationId;
        }
        registration = r;
    }

    /** @return every publication not yet forgotten */
    public static List<MultiOpenServices.Published> all() {
        return List.copyOf(new ArrayList<>(PUBLISHED));
    }

    /** Unregisters: the views are detached (the bundles keep their opens and close them later). Idempotent. */
    public void unregister() {
        unregistering = true;
        ServiceRegistration<Object> r = registration;
        if (r != null) {
            try {
                r.unregister();
            } catch (IllegalStateException alreadyGone) {
                // unregistered meanwhile (its bundle stopped)
            }
        }
        forgetIfIdle();
    }

    /**
     * @param properties the registration's new properties
     */
    public void setProperties(Dictionary<String, ?> properties) {
        ServiceRegistration<Object> r = registration;
        if (r != null && !unregistering) {
            try {
                r.setProperties(properties);
            } catch (IllegalStateException alreadyGone) {
                // unregistered meanwhile
            }
        }
    }

    // ---------------------------------------------------------------------------- ServiceFactory

    @Override
    public Object getService(Bundle bundle, ServiceRegistration<Object> reg) {
        MultiOpen shared = source.use();
        if (shared == null) {
            throw new IllegalStateException(this + ": the shared object cannot be had (its service went away)");
        }
        View view;
        try {
            for (Class<?> c : interfaces) {
                if (!c.isInstance(shared)) {
                    throw new IllegalStateException(this + ": " + shared.getClass().getName() + " does not implement "
                            + c.getName());
                }
            }
            view = (View) viewClass.invoke(this, bundle.getBundleId(), name(bundle), shared);
        } catch (RuntimeException | Error e) {
            source.unuse();
            throw e;
        } catch (Throwable t) {
            source.unuse();
            throw new IllegalStateException(this + ": the view could not be made", t);
        }
        View old = views.put(bundle.getBundleId(), view);
        if (old != null) {
            release(old, "got the service again"); // not expected: the framework caches one per bundle
        }
        return view;
    }

    @Override
    public void ungetService(Bundle bundle, ServiceRegistration<Object> reg, Object service) {
        View view = (View) service;
        views.remove(bundle.getBundleId(), view);
        if (unregistering || !stillRegistered()) {
            // The service goes away, not the bundle: the bundle keeps what it opened.
            unregistering = true;
            detached.put(bundle.getBundleId(), view);
            if (view.detach()) {
                idle(view); // nothing held
            }
            return;
        }
        release(view, "released the service");
    }

    /** Whether the views' registration is still in the framework's registry. */
    private boolean stillRegistered() {
        if (registration == null) {
            return true; // registerService has not returned yet: the service is being registered
        }
        try {
            ServiceReference<?>[] refs = watcher.getAllServiceReferences(null,
                    "(" + Constants.SERVICE_ID + "=" + registrationId + ")");
            return refs != null && refs.length > 0;
        } catch (IllegalStateException | InvalidSyntaxException stopping) {
            return false; // the watching bundle (the provider, at worst) is stopping: so is the service
        }
    }

    @Override
    public void idle(View view) {
        if (detached.remove(view.bundleId(), view)) {
            source.unuse();
            forgetIfIdle();
        }
    }

    /** A bundle stops, is updated, refreshed or uninstalled: its detached view is released. */
    @Override
    public void bundleChanged(BundleEvent event) {
        int type = event.getType();
        if (type == BundleEvent.STOPPING || type == BundleEvent.STOPPED || type == BundleEvent.UNINSTALLED
                || type == BundleEvent.UNRESOLVED) {
            View v = detached.remove(event.getBundle().getBundleId());
            if (v != null) {
                release(v, "stopped");
            }
        }
    }

    /** Closes, in the background, what {@code view}'s bundle still holds, with one warning. */
    private void release(View view, String why) {
        View.Left left = view.release();
        if (left == null) {
            return; // released before
        }
        if (left.opens() == 0) {
            source.unuse();
            forgetIfIdle();
            return;
        }
        RELEASER.execute(() -> {
            int n = left.opens();
            if (LOG.isLoggable(Level.WARNING)) {
                LOG.log(Level.WARNING, "bundle " + view.bundle() + " " + why + " while holding " + n
                        + (n == 1 ? " open" : " opens") + " of " + view.shared() + ": closing "
                        + (n == 1 ? "it" : "them") + " for it"
                        + (left.where().isEmpty() ? "" : "; opened at:\n" + left.where().stream()
                                .map(LeakDetection.Holder::describe).collect(Collectors.joining("\n"))));
            }
            try {
                view.closeLeft(left);
            } catch (RuntimeException | Error e) {
                LOG.log(Level.WARNING, "closing the opens of " + view.shared() + " left by bundle " + view.bundle(), e);
            } finally {
                source.unuse();
                forgetIfIdle();
            }
        });
    }

    /** Forgets this publication once it is unregistered and no view holds an open. */
    private void forgetIfIdle() {
        if (unregistering && detached.isEmpty() && views.isEmpty()) {
            PUBLISHED.remove(this);
            try {
                watcher.removeBundleListener(this);
            } catch (IllegalStateException gone) {
                // its bundle stopped: the listener went with it
            }
        }
    }

    // ----------------------------------------------------------------------------- Published

    @Override
    public Optional<ServiceReference<?>> reference() {
        ServiceRegistration<Object> r = registration;
        if (r == null || unregistering) {
            return Optional.empty();
        }
        try {
            return Optional.of(r.getReference());
        } catch (IllegalStateException gone) {
            return Optional.empty();
        }
    }

    @Override
    public long serviceId() {
        return serviceId;
    }

    @Override
    public Optional<ServiceReference<?>> original() {
        return source.original();
    }

    @Override
    public Bundle registrant() {
        return registrant;
    }

    /** @return the provider, as messages name it: {@code symbolic.name [id]} */
    @Override
    public String provider() {
        return name(registrant) + " [" + registrant.getBundleId() + "]";
    }

    @Override
    public List<String> interfaces() {
        List<String> names = new ArrayList<>();
        for (Class<?> c : interfaces) {
            names.add(c.getName());
        }
        return List.copyOf(names);
    }

    @Override
    public Optional<MultiOpen> shared() {
        Optional<MultiOpen> current = source.current();
        if (current.isPresent()) {
            return current;
        }
        for (View v : detached.values()) {
            return Optional.of(v.shared());
        }
        return Optional.empty();
    }

    @Override
    public boolean isRegistered() {
        return reference().isPresent();
    }

    @Override
    public List<MultiOpenServices.BundleOpens> opens() {
        Map<Long, MultiOpenServices.BundleOpens> byBundle = new TreeMap<>();
        for (Map<Long, View> m : List.of(views, detached)) {
            for (View v : m.values()) {
                int n = v.opens();
                if (n > 0) {
                    byBundle.merge(v.bundleId(), new MultiOpenServices.BundleOpens(v.bundleId(), v.bundleName(), n,
                            v.holders()), (a, b) -> new MultiOpenServices.BundleOpens(a.bundleId(), a.bundle(),
                                    a.opens() + b.opens(), concat(a.holders(), b.holders())));
                }
            }
        }
        return List.copyOf(byBundle.values());
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /**
     * The shared object's open count as its users see it: the object's own count, in which a view
     * holding opens counts once, with each view's opens counted one by one instead; the views of
     * every publication of the same object count (there are two when the runtime was restarted
     * while bundles held opens).
     */
    @Override
    public int openCount() {
        MultiOpen shared = shared().orElse(null);
        if (shared == null) {
            return 0;
        }
        List<View> all = new ArrayList<>();
        Set<ViewService> publications = new java.util.LinkedHashSet<>(PUBLISHED);
        publications.add(this);
        for (ViewService s : publications) {
            if (s == this || s.shared().orElse(null) == shared) {
                all.addAll(s.views.values());
                all.addAll(s.detached.values());
            }
        }
        return View.openCount(shared, all);
    }

    static String name(Bundle b) {
        String bsn = b.getSymbolicName();
        return bsn != null ? bsn : "bundle-" + b.getBundleId();
    }

    @Override
    public String toString() {
        Optional<ServiceReference<?>> o = source.original();
        return "MultiOpen service " + interfaces() + " of bundle " + provider()
                + o.map(r -> " (views of service " + r.getProperty(Constants.SERVICE_ID) + ")").orElse("");
    }
}
