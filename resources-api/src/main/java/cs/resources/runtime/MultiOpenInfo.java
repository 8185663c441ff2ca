package cs.resources.runtime;

import java.util.List;
import java.util.Objects;

/**
 * A MultiOpen service as the runtime sees it, at one moment.
 *
 * @param serviceId the service's {@code service.id}: for a service shared through views, the
 *     provider's registration's (the one under {@code cs.resources.osgi.Shared}, which its views
 *     carry as {@code cs.resources.original.service.id}; for a hand registration with views, its own)
 * @param className the class of the shared object; for an unused service, which is not looked at,
 *     its component name or first interface
 * @param bundleId the id of the bundle that registered it
 * @param bundle that bundle's symbolic name
 * @param openCount {@link cs.resources.MultiOpen#openCount()}, with the opens made through views
 *     counted one by one; 0 when {@link Phase#UNUSED}
 * @param phase from {@link cs.resources.MultiOpen#isOpen()} and {@link cs.resources.MultiOpen#isClosed()}
 * @param interfaces the interfaces the service is registered under
 * @param consumers the bundles holding opens through their own views, by bundle id (empty for a
 *     service used without per-bundle views)
 * @param registered false once the service is unregistered (its provider went away) while bundles
 *     still hold opens of it: it is listed until the last of them closes
 * @param retired whether the provider retired it ({@link cs.resources.AbstractMultiOpen#isRetired()}):
 *     once closed, it never opens again
 * @param lastStartupFailure what the last startup threw, as {@code class: message}, if it failed
 *     and none has succeeded since; null otherwise
 * @param startups how many startups have succeeded ({@link cs.resources.AbstractMultiOpen#startups()});
 *     0 for other MultiOpens and while {@link Phase#UNUSED}
 * @param startupFailures how many startups have thrown
 *     ({@link cs.resources.AbstractMultiOpen#startupFailures()}); 0 likewise
 * @param shutdowns how many shutdowns have run ({@link cs.resources.AbstractMultiOpen#shutdowns()});
 *     0 likewise
 * @since 1.1
 */
public record MultiOpenInfo(long serviceId, String className, long bundleId, String bundle, int openCount, Phase phase,
        List<String> interfaces, List<ConsumerOpens> consumers, boolean registered, boolean retired,
        String lastStartupFailure, long startups, long startupFailures, long shutdowns) {

    /** Where a MultiOpen is in its life cycle. */
    public enum Phase {
        /** Never opened, or its startup is running. */
        NEW,
        /** Open: its count is above 0. */
        OPEN,
        /** Opened before and now closed (also while its final shutdown runs). */
        CLOSED,
        /**
         * Nobody uses its service yet, and the runtime did not get it to look (which would
         * activate a delayed component): count and phase are unknown.
         */
        UNUSED
    }

    /**
     * The opens one consumer bundle holds, through its view.
     *
     * @param bundleId the consumer's bundle id
     * @param bundle its symbolic name
     * @param opens how many opens it holds
     */
    public record ConsumerOpens(long bundleId, String bundle, int opens) {
        /**
         * @param bundleId the consumer's bundle id
         * @param bundle its symbolic name
         * @param opens how many opens it holds
         * @throws NullPointerException if {@code bundle} is null
         */
        public ConsumerOpens {
            Objects.requireNonNull(bundle, "bundle");
        }
    }

    /**
     * @param serviceId the service's {@code service.id}
     * @param className the class of the shared object, or for an unused service its component name
     *     or first interface
     * @param bundleId the id of the bundle that registered it
     * @param bundle that bundle's symbolic name
     * @param openCount the opens, those made through views counted one by one
     * @param phase from {@link cs.resources.MultiOpen#isOpen()} and {@link cs.resources.MultiOpen#isClosed()}
     * @param interfaces the interfaces the service is registered under
     * @param consumers the bundles holding opens through their own views
     * @param registered false once the service is unregistered while opens are held
     * @param retired whether the provider retired it
     * @param lastStartupFailure what the last startup threw, or null
     * @param startups how many startups have succeeded
     * @param startupFailures how many startups have thrown
     * @param shutdowns how many shutdowns have run
     * @throws NullPointerException if a reference argument but {@code lastStartupFailure} is null
     * @throws IllegalArgumentException if a count is negative
     */
    public MultiOpenInfo {
        Objects.requireNonNull(className, "className");
        Objects.requireNonNull(bundle, "bundle");
        Objects.requireNonNull(phase, "phase");
        interfaces = List.copyOf(interfaces);
        consumers = List.copyOf(consumers);
        if (startups < 0 || startupFailures < 0 || shutdowns < 0) {
            throw new IllegalArgumentException("negative count: startups " + startups + ", startupFailures "
                    + startupFailures + ", shutdowns " + shutdowns);
        }
    }

    /**
     * The second round's form: no startup, failure or shutdown counts (0).
     *
     * @param serviceId the service's {@code service.id}
     * @param className the class of the shared object, or for an unused service its component name
     *     or first interface
     * @param bundleId the id of the bundle that registered it
     * @param bundle that bundle's symbolic name
     * @param openCount the open count
     * @param phase the phase
     * @param interfaces the interfaces the service is registered under
     * @param consumers the bundles holding opens through their own views
     * @param registered false once the service is unregistered while opens are held
     * @param retired whether the provider retired it
     * @param lastStartupFailure what the last startup threw, or null
     */
    public MultiOpenInfo(long serviceId, String className, long bundleId, String bundle, int openCount, Phase phase,
            List<String> interfaces, List<ConsumerOpens> consumers, boolean registered, boolean retired,
            String lastStartupFailure) {
        this(serviceId, className, bundleId, bundle, openCount, phase, interfaces, consumers, registered, retired,
                lastStartupFailure, 0, 0, 0);
    }

    /**
     * The first round's form: registered, not retired, no consumers or interfaces known.
     *
     * @param serviceId the service's {@code service.id}
     * @param className the class of the service object
     * @param bundleId the id of the bundle that registered it
     * @param bundle that bundle's symbolic name
     * @param openCount the open count
     * @param phase the phase
     */
    public MultiOpenInfo(long serviceId, String className, long bundleId, String bundle, int openCount, Phase phase) {
        this(serviceId, className, bundleId, bundle, openCount, phase, List.of(), List.of(), true, false, null, 0, 0, 0);
    }
}
