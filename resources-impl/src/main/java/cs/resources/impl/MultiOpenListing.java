package cs.resources.impl;

import static cs.resources.impl.ServiceReader.COMPONENT_NAME;
import static cs.resources.impl.ServiceReader.name;
import static cs.resources.impl.ServiceReader.references;
import static cs.resources.impl.ServiceReader.serviceId;

import cs.resources.AbstractMultiOpen;
import cs.resources.LeakDetection;
import cs.resources.MultiOpen;
import cs.resources.osgi.MultiOpenServices;
import cs.resources.osgi.Shared;
import cs.resources.runtime.MultiOpenInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.util.tracker.ServiceTracker;

/**
 * The MultiOpen listing: every MultiOpen service (the whiteboard) and every MultiOpen published
 * with per-bundle views, with its open count, phase and each consumer bundle's opens.
 *
 * <p>A MultiOpen published with views is listed once, under the service id of its provider's
 * registration (for views the runtime publishes, the one under {@link Shared}), and read through
 * the shared object its views use, never got for the listing; one whose views have gone is listed
 * while consumers still hold opens. Its open count is every open of every bundle, one by one.
 * Other MultiOpen services (and shared ones the runtime refused) are read by {@link ServiceReader}'s
 * rules (a delayed component nobody uses is listed {@code UNUSED}).
 *
 * <p>Thread-safe: it keeps nothing but a {@link ServiceTracker} of references.
 */
final class MultiOpenListing {

    private final ServiceReader reader;
    private final ServiceTracker<MultiOpen, ServiceReference<MultiOpen>> services;

    MultiOpenListing(ServiceReader reader) {
        this.reader = reader;
        services = new ServiceTracker<>(reader.context(), filter(reader.context()), new ServiceReader.ByReference<>());
    }

    /** MultiOpen services, and shared ones (registered under {@link Shared}, with or without views). */
    private static org.osgi.framework.Filter filter(org.osgi.framework.BundleContext context) {
        try {
            return context.createFilter("(|(" + Constants.OBJECTCLASS + "=" + MultiOpen.class.getName() + ")("
                    + Constants.OBJECTCLASS + "=" + Shared.class.getName() + "))");
        } catch (org.osgi.framework.InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    void open() {
        services.open();
    }

    void close() {
        services.close();
    }

    List<MultiOpenInfo> multiOpens() {
        Map<Long, MultiOpenInfo> byId = new TreeMap<>();
        Map<Long, List<MultiOpenServices.Published>> byProvider = new LinkedHashMap<>();
        for (MultiOpenServices.Published p : MultiOpenServices.published()) {
            byProvider.computeIfAbsent(p.serviceId(), id -> new ArrayList<>()).add(p);
        }
        byProvider.forEach((id, publications) -> {
            MultiOpenInfo info = info(id, publications);
            if (info != null) {
                byId.put(id, info);
            }
        });
        for (ServiceReference<MultiOpen> ref : references(services)) {
            long id = serviceId(ref);
            if (byProvider.containsKey(id) || ref.getProperty(MultiOpenServices.VIEWS) != null) {
                continue; // listed through its views
            }
            Bundle b = ref.getBundle();
            if (b == null) {
                continue;
            }
            List<String> interfaces = List.of((String[]) ref.getProperty(Constants.OBJECTCLASS));
            MultiOpenInfo info = reader.read(ref, mo -> info(id, mo, b, interfaces, mo.openCount(), List.of(), true));
            byId.putIfAbsent(id, info != null ? info : unused(id, ref, b, interfaces));
        }
        return List.copyOf(byId.values());
    }

    /**
     * The publications of one provider's service as one listing: there are two when the runtime was
     * restarted while consumers held opens of the first (the first is unregistered, the second
     * registered; both show the same object).
     *
     * @return the service as listed; null if it is gone and nothing is held
     */
    private MultiOpenInfo info(long serviceId, List<MultiOpenServices.Published> publications) {
        Map<Long, MultiOpenInfo.ConsumerOpens> consumers = new TreeMap<>();
        boolean registered = false;
        MultiOpen shared = null;
        int openCount = 0;
        for (MultiOpenServices.Published p : publications) {
            for (MultiOpenServices.BundleOpens o : p.opens()) {
                consumers.merge(o.bundleId(), new MultiOpenInfo.ConsumerOpens(o.bundleId(), o.bundle(), o.opens()),
                        (a, b) -> new MultiOpenInfo.ConsumerOpens(a.bundleId(), a.bundle(), a.opens() + b.opens()));
            }
            registered |= p.isRegistered();
            MultiOpen s = p.shared().orElse(null);
            if (s != null && shared == null) {
                shared = s;
                openCount = p.openCount(); // counts the views of every publication of the object
            }
        }
        if (!registered && consumers.isEmpty()) {
            return null;
        }
        MultiOpenServices.Published first = publications.get(0);
        Bundle b = first.registrant();
        List<MultiOpenInfo.ConsumerOpens> held = List.copyOf(consumers.values());
        if (shared != null) {
            return info(serviceId, shared, b, first.interfaces(), openCount, held, registered);
        }
        ServiceReference<?> original = first.original().orElse(null);
        if (original != null) {
            boolean isRegistered = registered;
            MultiOpenInfo read = reader.read(original, o -> o instanceof MultiOpen mo
                    ? info(serviceId, mo, b, first.interfaces(), mo.openCount(), held, isRegistered) : null);
            if (read != null) {
                return read;
            }
            return unused(serviceId, original, b, first.interfaces());
        }
        return null;
    }

    private static MultiOpenInfo info(long serviceId, MultiOpen mo, Bundle b, List<String> interfaces, int openCount,
            List<MultiOpenInfo.ConsumerOpens> consumers, boolean registered) {
        MultiOpenInfo.Phase phase = mo.isOpen() ? MultiOpenInfo.Phase.OPEN
                : mo.isClosed() ? MultiOpenInfo.Phase.CLOSED : MultiOpenInfo.Phase.NEW;
        String failure = mo.lastStartupFailure().map(MultiOpenListing::describe).orElse(null);
        AbstractMultiOpen a = mo instanceof AbstractMultiOpen amo ? amo : null;
        return new MultiOpenInfo(serviceId, mo.getClass().getName(), b.getBundleId(), name(b), openCount, phase,
                interfaces, consumers, registered, a != null && a.isRetired(), failure, a == null ? 0 : a.startups(),
                a == null ? 0 : a.startupFailures(), a == null ? 0 : a.shutdowns());
    }

    /** A MultiOpen service nobody uses yet, listed without being got. */
    private static MultiOpenInfo unused(long serviceId, ServiceReference<?> ref, Bundle b, List<String> interfaces) {
        Object component = ref.getProperty(COMPONENT_NAME);
        String className = component instanceof String s ? s : interfaces.get(0);
        return new MultiOpenInfo(serviceId, className, b.getBundleId(), name(b), 0, MultiOpenInfo.Phase.UNUSED,
                interfaces, List.of(), true, false, null);
    }

    static String describe(Throwable t) {
        String m = t.getMessage();
        return t.getClass().getName() + (m != null ? ": " + m : "");
    }

    /**
     * @return who holds the MultiOpen listed under {@code serviceId} (the provider's id, or, for a
     *     publication with views, also the id of the views' registration); empty if no MultiOpen
     *     has that id
     */
    Optional<List<LeakDetection.Holder>> holders(long serviceId) {
        for (MultiOpenServices.Published p : MultiOpenServices.published()) {
            if (p.serviceId() == serviceId || p.reference().map(ServiceReader::serviceId).orElse(-1L) == serviceId) {
                List<LeakDetection.Holder> held = p.shared().map(LeakDetection::holders).orElse(null);
                if (held != null) {
                    return Optional.of(held);
                }
                return Optional.of(p.original().map(o -> reader.read(o, LeakDetection::holders)).orElse(List.of()));
            }
        }
        for (ServiceReference<MultiOpen> ref : references(services)) {
            if (serviceId(ref) == serviceId) {
                List<LeakDetection.Holder> held = reader.read(ref, LeakDetection::holders);
                return Optional.of(held != null ? held : List.of());
            }
        }
        return Optional.empty();
    }
}
