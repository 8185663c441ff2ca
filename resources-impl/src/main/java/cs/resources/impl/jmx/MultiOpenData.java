package cs.resources.impl.jmx;

import cs.resources.runtime.MultiOpenInfo;
import javax.management.ConstructorParameters;

/** A MultiOpen service as JMX shows it (a {@code CompositeData} of these getters): {@link MultiOpenInfo}. */
public final class MultiOpenData {
    private final long serviceId;
    private final String className;
    private final long bundleId;
    private final String bundle;
    private final int openCount;
    private final String phase;

    @ConstructorParameters({"serviceId", "className", "bundleId", "bundle", "openCount", "phase"})
    public MultiOpenData(long serviceId, String className, long bundleId, String bundle, int openCount, String phase) {
        this.serviceId = serviceId;
        this.className = className;
        this.bundleId = bundleId;
        this.bundle = bundle;
        this.openCount = openCount;
        this.phase = phase;
    }

    static MultiOpenData of(MultiOpenInfo i) {
        return new MultiOpenData(i.serviceId(), i.className(), i.bundleId(), i.bundle(), i.openCount(), i.phase().name());
    }

    /** @return the service's {@code service.id} */
    public long getServiceId() {
        return serviceId;
    }

    /** @return the class of the service object */
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

    /** @return NEW, OPEN or CLOSED */
    public String getPhase() {
        return phase;
    }
}
