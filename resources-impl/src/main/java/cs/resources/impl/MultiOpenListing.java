package cs.resources.impl;

import static cs.resources.impl.ServiceReader.COMPONENT_NAME;
import static cs.resources.impl.ServiceReader.name;
import static cs.resources.impl.ServiceReader.references;
import static cs.resources.impl.ServiceReader.serviceId;

import cs.resources.AbstractMultiOpen;
import cs.resources.LeakDetection;
import cs.resources.MultiOpen;
import cs.resources.osgi.MultiOpenServices;
import cs.resources.runtime.MultiOpenInfo;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.util.tracker.ServiceTracker;

/**
 * The MultiOpen listing: every MultiOpen service (the whiteboard) and every MultiOpen published
 * with per-bundle views, with its open count, phase and each consumer bundle's opens.
 *
 * <p>A MultiOpen published with views is listed once, under the service id its provider knows,
 * and read through the shared object its views use, never got for the listing; one whose service
 * has gone is listed while consumers still hold opens. Other MultiOpen services are read by
 * {@link ServiceReader}'s rules (a delayed component nobody uses is listed {@code UNUSED}).
 *
 * <p>Thread-safe: it keeps nothing but a {@link ServiceTracker} of references.
 */
final class MultiOpenListing {

    private final ServiceReader reader;
    private final ServiceTracker<MultiOpen, ServiceReference<MultiOpen>> services;

    MultiOpenListing(ServiceReader reader) {
        this.reader = reader;
        services = new ServiceTracker<>(reader.context(), MultiOpen.class, new ServiceReader.ByReference<>());
    }

    void open() {
        services.open();
    }

    void close() {
        services.close();
    }

    List<MultiOpenInfo> multiOpens() {
        Map<Long, MultiOpenInfo> byId = new TreeMap<>();
        Set<ServiceReference<?>> republished = new HashSet<>();
        for (MultiOpenServices.Published p : MultiOpenServices.published()) {
            p.original().ifPresent(republished::add);
            MultiOpenInfo info = info(p);
            if (info != null) {
                byId.put(info.serviceId(), info);
            }
        }
        for (ServiceReference<MultiOpen> ref : references(services)) {
            if (republished.contains(ref) || ref.getProperty(MultiOpenServices.VIEWS) != null) {
                continue; // listed through its views
            }
            Bundle b = ref.getBundle();
            if (b == null) {
                continue;
            }
            List<String> interfaces = List.of((String[]) ref.getProperty(Constants.OBJECTCLASS));
            MultiOpenInfo info = reader.read(ref, mo -> info(serviceId(ref), mo, b, interfaces, List.of(), true));
            byId.putIfAbsent(serviceId(ref), info != null ? info : unused(serviceId(ref), ref, b, interfaces));
        }
        return List.copyOf(byId.values());
    }

    /** @return a publication with views as listed; null if it is gone and nothing is held */
    private MultiOpenInfo info(MultiOpenServices.Published p) {
        List<MultiOpenInfo.ConsumerOpens> consumers = p.opens().stream()
                .map(o -> new MultiOpenInfo.ConsumerOpens(o.bundleId(), o.bundle(), o.opens()))
                .toList();
        boolean registered = p.isRegistered();
        if (!registered && consumers.isEmpty()) {
            return null;
        }
        Bundle b = p.registrant();
        MultiOpen shared = p.shared().orElse(null);
        if (shared != null) {
            return info(p.serviceId(), shared, b, p.interfaces(), consumers, registered);
        }
        ServiceReference<?> original = p.original().orElse(null);
        if (original != null) {
            MultiOpenInfo read = reader.read(original, o -> o instanceof MultiOpen mo
                    ? info(p.serviceId(), mo, b, p.interfaces(), consumers, registered) : null);
            if (read != null) {
                return read;
            }
            return unused(p.serviceId(), original, b, p.interfaces());
        }
        return null;
    }

    private static MultiOpenInfo info(long serviceId, MultiOpen mo, Bundle b, List<String> interfaces,
            List<MultiOpenInfo.ConsumerOpens> consumers, boolean registered) {
        MultiOpenInfo.Phase phase = mo.isOpen() ? MultiOpenInfo.Phase.OPEN
                : mo.isClosed() ? MultiOpenInfo.Phase.CLOSED : MultiOpenInfo.Phase.NEW;
        String failure = mo.lastStartupFailure().map(MultiOpenListing::describe).orElse(null);
        boolean retired = mo instanceof AbstractMultiOpen a && a.isRetired();
        return new MultiOpenInfo(serviceId, mo.getClass().getName(), b.getBundleId(), name(b), mo.openCount(), phase,
                interfaces, consumers, registered, retired, failure);
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
