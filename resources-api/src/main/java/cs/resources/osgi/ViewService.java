package cs.resources.osgi;

import cs.resources.LeakDetection;
import cs.resources.MultiOpen;
import java.lang.System.Logger.Level;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Dictionary;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleListener;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceFactory;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;

/**
 * A MultiOpen service published with per-bundle views: the bundle-scoped {@link ServiceFactory}
 * behind {@link MultiOpenServices#register} and {@link MultiOpenServices#republish}. Each bundle
 * that gets the service gets a proxy of its own ({@link View}) implementing every interface the
 * service is registered under.
 *
 * <p>The shared object is either given (a hand registration) or got lazily, when the first bundle
 * gets a view, from the service being republished (so a delayed Declarative Services component is
 * activated by its first real consumer, not by the republishing); that get is released when the
 * last view is released.
 *
 * <p>Thread-safe: the views are in a concurrent map; the fields of the lazy get are guarded by
 * this object's monitor, which is never held while the framework or the shared object runs.
 */
final class ViewService implements ServiceFactory<Object>, MultiOpenServices.Published, BundleListener, View.IdleListener {

    private static final System.Logger LOG = System.getLogger(MultiOpenServices.class.getName());

    private final Class<?>[] interfaces;
    private final ClassLoader loader;
    private final Bundle registrant;
    /** The shared object of a hand registration; null for a republished service until got. */
    private final MultiOpen given;
    /** The service republished, and the context it is got through; null for a hand registration. */
    private final ServiceReference<?> original;
    private final BundleContext getter;
    /** Where {@link #bundleChanged} is registered: to release detached views of bundles that stop. */
    private final BundleContext watcher;

    /** By bundle id: the views given out and not yet released. */
    private final Map<Long, View> views = new ConcurrentHashMap<>();
    /** Views detached by the service's unregistration that still hold opens, by bundle id. */
    private final Map<Long, View> detached = new ConcurrentHashMap<>();

    /** The provider's {@code service.id}: the original's, or the registration's; kept after it is unregistered. */
    private volatile long serviceId = -1;
    /** The registration; null until registered. */
    private volatile ServiceRegistration<Object> registration;
    /** Set before the registration is unregistered: views are then detached, not released. */
    private volatile boolean unregistering;

    /** The object got from {@link #original}; guarded by this. */
    private MultiOpen got;
    /** How many times {@link #original} was got and not yet ungot; guarded by this. */
    private int gets;
    /** How many views use {@link #got}; guarded by this. */
    private int users;

    ViewService(Class<?>[] interfaces, ClassLoader loader, Bundle registrant, MultiOpen given,
            ServiceReference<?> original, BundleContext getter, BundleContext watcher) {
        this.interfaces = interfaces.clone();
        this.loader = loader;
        this.registrant = registrant;
        this.given = given;
        this.original = original;
        this.getter = getter;
        this.watcher = watcher;
    }

    void registered(ServiceRegistration<Object> r) {
        serviceId = original != null ? (Long) original.getProperty(Constants.SERVICE_ID)
                : (Long) r.getReference().getProperty(Constants.SERVICE_ID);
        registration = r;
        if (watcher != null) {
            try {
                watcher.addBundleListener(this);
            } catch (IllegalStateException gone) {
                // the watching bundle stopped meanwhile: nothing to clean up after later
            }
        }
        MultiOpenServices.PUBLISHED.add(this);
    }

    /** Unregisters: the views are detached (the bundles keep their opens and close them later). */
    void unregister() {
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

    void setProperties(Dictionary<String, ?> properties) {
        ServiceRegistration<Object> r = registration;
        if (r != null) {
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
        MultiOpen shared = use();
        if (shared == null) {
            return null; // the republished service went away: the framework logs that the factory gave nothing
        }
        View view = new View(this, bundle.getBundleId(), MultiOpenServices.name(bundle), shared);
        Object proxy = Proxy.newProxyInstance(loader, interfaces, view);
        view.proxy(proxy);
        View old = views.put(bundle.getBundleId(), view);
        if (old != null) {
            release(old, "got the service again"); // not expected: the framework caches one per bundle
        }
        return proxy;
    }

    @Override
    public void ungetService(Bundle bundle, ServiceRegistration<Object> reg, Object service) {
        View view = (View) Proxy.getInvocationHandler(service);
        views.remove(bundle.getBundleId(), view);
        if (unregistering) {
            // The service goes away, not the bundle: the bundle keeps what it opened.
            view.detach();
            detached.put(bundle.getBundleId(), view);
            if (view.opens() == 0) {
                idle(view); // nothing held (or the last open closed meanwhile)
            }
            return;
        }
        release(view, "released the service");
    }

    /** A detached view's bundle closed its last open itself. */
    @Override
    public void idle(View view) {
        if (detached.remove(view.bundleId(), view)) {
            unuse();
            forgetIfIdle();
        }
    }

    /** A bundle stops, is updated, refreshed or uninstalled: its detached views are released. */
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
        List<MultiOpen.Handle> left = view.release();
        if (left.isEmpty()) {
            unuse();
            forgetIfIdle();
            return;
        }
        List<LeakDetection.Holder> where = new ArrayList<>();
        for (MultiOpen.Handle h : left) {
            LeakDetection.holder(h).ifPresent(where::add);
        }
        String bundle = view.bundle();
        MultiOpenServices.RELEASER.execute(() -> {
            if (LOG.isLoggable(Level.WARNING)) {
                LOG.log(Level.WARNING, "bundle " + bundle + " " + why + " while holding " + left.size()
                        + (left.size() == 1 ? " open" : " opens") + " of " + view.shared() + ": closing "
                        + (left.size() == 1 ? "it" : "them") + " for it"
                        + (where.isEmpty() ? "" : "; opened at:\n" + where.stream().map(LeakDetection.Holder::describe)
                                .collect(Collectors.joining("\n"))));
            }
            try {
                for (MultiOpen.Handle h : left) {
                    try {
                        h.close();
                    } catch (RuntimeException | Error e) {
                        LOG.log(Level.WARNING, "closing an open of " + view.shared() + " left by bundle " + bundle, e);
                    }
                }
            } finally {
                unuse();
                forgetIfIdle();
            }
        });
    }

    // -------------------------------------------------------------------------- the shared object

    /** @return the shared object for a new view, got on first use; null if it cannot be had */
    private MultiOpen use() {
        if (given != null) {
            return given;
        }
        synchronized (this) {
            if (got != null) {
                users++;
                return got;
            }
        }
        // Outside the monitor: getting the service may activate a component (user code).
        Object o;
        try {
            o = getter.getService(original);
        } catch (IllegalStateException | SecurityException e) {
            return null;
        }
        if (!(o instanceof MultiOpen mo)) {
            if (o != null) {
                ungetOriginal(1);
            }
            return null;
        }
        synchronized (this) {
            gets++;
            if (got == null) {
                got = mo;
            }
            users++;
            return got;
        }
    }

    /** A view no longer uses the shared object: the last one lets go of the get. */
    private void unuse() {
        if (given != null) {
            return;
        }
        int ungets = 0;
        synchronized (this) {
            if (users > 0 && --users == 0) {
                ungets = gets;
                gets = 0;
                got = null;
            }
        }
        ungetOriginal(ungets);
    }

    private void ungetOriginal(int times) {
        for (int i = 0; i < times; i++) {
            try {
                getter.ungetService(original);
            } catch (IllegalStateException gone) {
                return;
            }
        }
    }

    /** Forgets this publication once it is unregistered and no view holds an open. */
    private void forgetIfIdle() {
        if (unregistering && detached.isEmpty() && views.isEmpty()) {
            MultiOpenServices.PUBLISHED.remove(this);
            if (watcher != null) {
                try {
                    watcher.removeBundleListener(this);
                } catch (IllegalStateException gone) {
                    // its bundle stopped: the listener went with it
                }
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
        return Optional.ofNullable(original);
    }

    @Override
    public Bundle registrant() {
        return registrant;
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
        if (given != null) {
            return Optional.of(given);
        }
        synchronized (this) {
            if (got != null) {
                return Optional.of(got);
            }
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
        List<MultiOpenServices.BundleOpens> result = new ArrayList<>();
        for (View v : views.values()) {
            add(result, v);
        }
        for (View v : detached.values()) {
            add(result, v);
        }
        result.sort(Comparator.comparingLong(MultiOpenServices.BundleOpens::bundleId));
        return List.copyOf(result);
    }

    private static void add(List<MultiOpenServices.BundleOpens> result, View v) {
        int n = v.opens();
        if (n > 0) {
            result.add(new MultiOpenServices.BundleOpens(v.bundleId(), v.bundleName(), n,
                    v.holders()));
        }
    }

    @Override
    public String toString() {
        Object id = original != null ? original.getProperty(Constants.SERVICE_ID) : null;
        return "MultiOpen service " + interfaces() + " of bundle " + MultiOpenServices.describe(registrant)
                + (id != null ? " (republishing service " + id + ")" : "");
    }
}
