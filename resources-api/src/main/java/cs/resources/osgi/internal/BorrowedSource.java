package cs.resources.osgi.internal;

import cs.resources.MultiOpen;
import java.util.Optional;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;

/**
 * The shared object of a provider's own service, borrowed: got through the provider's context when
 * the first view is made (not before, so a delayed Declarative Services component is activated by
 * its first consumer, as without views) and released when the last view is done with, so that
 * Declarative Services may deactivate it again. Through the provider's context, the get belongs to
 * the provider: it does not end when the runtime that published the views stops, and a second
 * publication of the same service (the runtime started again) gets the same object.
 *
 * <p>Thread-safe: {@link #got}, {@link #gets} and {@link #users} are guarded by this object's
 * monitor, which is never held while the framework or the provider's code runs.
 */
final class BorrowedSource extends SharedSource {
    private final ServiceReference<?> original;
    private final BundleContext getter;

    /** The object got from {@link #original}. Guarded by this. */
    private MultiOpen got;
    /** How many times {@link #original} was got and not yet released. Guarded by this. */
    private int gets;
    /** How many views use {@link #got}. Guarded by this. */
    private int users;

    /**
     * @param original the provider's service
     * @param getter the provider's context
     */
    BorrowedSource(ServiceReference<?> original, BundleContext getter) {
        this.original = original;
        this.getter = getter;
    }

    @Override
    MultiOpen use() {
        synchronized (this) {
            if (got != null) {
                users++;
                return got;
            }
        }
        // Outside the monitor: getting the service may activate a component (the provider's code).
        Object o;
        try {
            o = getter.getService(original);
        } catch (IllegalStateException gone) {
            return null; // the provider stopped meanwhile
        }
        if (!(o instanceof MultiOpen mo)) {
            if (o != null) {
                ungetOriginal(1);
                throw new IllegalStateException("service " + original.getProperty("service.id") + " is shared through views "
                        + "but its object, " + o.getClass().getName() + ", is not a " + MultiOpen.class.getName());
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

    @Override
    void unuse() {
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
                return; // the provider stopped: the framework released it
            }
        }
    }

    @Override
    synchronized Optional<MultiOpen> current() {
        return Optional.ofNullable(got);
    }

    @Override
    Optional<ServiceReference<?>> original() {
        return Optional.of(original);
    }
}
