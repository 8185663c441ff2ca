package cs.resources.impl.jmx;

import cs.resources.runtime.MultiOpenInfo;
import java.util.List;
import javax.management.ConstructorParameters;

/** A MultiOpen service as JMX shows it (a {@code CompositeData} of these getters): {@link MultiOpenInfo}. */
public final class MultiOpenData {
    private final long serviceId;
    private final String className;
    private final long bundleId;
    private final String bundle;
    private final int openCount;
    private final String phase;
    private final List<String> interfaces;
    private final List<ConsumerData> consumers;
    private final boolean registered;
    private final boolean retired;
    private final String lastStartupFailure;

    @ConstructorParameters({"serviceId", "className", "bundleId", "bundle", "openCount", "phase", "interfaces",
            "consumers", "registered", "retired", "lastStartupFailure"})
    public MultiOpenData(long serviceId, String className, long bundleId, String bundle, int openCount, String phase,
            List<String> interfaces, List<ConsumerData> consumers, boolean registered, boolean retired,
            String lastStartupFailure) {
        this.serviceId = serviceId;
        this.className = className;
        this.bundleId = bundleId;
        this.bundle = bundle;
        this.openCount = openCount;
        this.phase = phase;
        this.interfaces = List.copyOf(interfaces);
        this.consumers = List.copyOf(consumers);
        this.registered = registered;
        this.retired = retired;
        this.lastStartupFailure = lastStartupFailure;
    }

    static MultiOpenData of(MultiOpenInfo i) {
        return new MultiOpenData(i.serviceId(), i.className(), i.bundleId(), i.bundle(), i.openCount(), i.phase().name(),
                i.interfaces(), i.consumers().stream().map(ConsumerData::of).toList(), i.registered(), i.retired(),
                i.lastStartupFailure() != null ? i.lastStartupFailure() : "");
    }

    /** @return the service's {@code service.id} */
    public long getServiceId() {
        return serviceId;
    }

    /** @return the class of the shared object (for an unused service: its component name or interface) */
    public String getClassName() {
        return className;
    }

    /** @return the id of the bundle that registered it */
    public long getBundleId() {
        return bundleId;
    }

    /** @return that bundle's symbolic name */
    public String getBundle() {
        return bundle;
    }

    /** @return its open count */
    public int getOpenCount() {
        return openCount;
    }

    /** @return NEW, OPEN, CLOSED or UNUSED */
    public String getPhase() {
        return phase;
    }

    /** @return the interfaces it is registered under */
    public List<String> getInterfaces() {
        return interfaces;
    }

    /** @return the consumer bundles holding opens, with their counts */
    public List<ConsumerData> getConsumers() {
        return consumers;
    }

    /** @return false once its service is unregistered while opens are still held */
    public boolean isRegistered() {
        return registered;
    }

    /** @return whether its provider retired it */
    public boolean isRetired() {
        return retired;
    }

    /** @return what its last startup threw ({@code class: message}), or "" if it did not fail */
    public String getLastStartupFailure() {
        return lastStartupFailure;
    }

    /** One consumer bundle's opens, as JMX shows them. */
    public static final class ConsumerData {
        private final long bundleId;
        private final String bundle;
        private final int opens;

        @ConstructorParameters({"bundleId", "bundle", "opens"})
        public ConsumerData(long bundleId, String bundle, int opens) {
            this.bundleId = bundleId;
            this.bundle = bundle;
            this.opens = opens;
        }

        static ConsumerData of(MultiOpenInfo.ConsumerOpens c) {
            return new ConsumerData(c.bundleId(), c.bundle(), c.opens());
        }

        /** @return the consumer's bundle id */
        public long getBundleId() {
            return bundleId;
        }

        /** @return its symbolic name */
        public String getBundle() {
            return bundle;
        }

        /** @return the opens it holds */
        public int getOpens() {
            return opens;
        }
    }
}
