package cs.resources.runtime;

import java.util.Objects;

/**
 * A MultiOpen service as the runtime sees it, at one moment.
 *
 * @param serviceId the service's {@code service.id}
 * @param className the class of the service object
 * @param bundleId the id of the bundle that registered it
 * @param bundle that bundle's symbolic name
 * @param openCount {@link cs.resources.MultiOpen#openCount()}
 * @param phase from {@link cs.resources.MultiOpen#isOpen()} and {@link cs.resources.MultiOpen#isClosed()}
 */
public record MultiOpenInfo(long serviceId, String className, long bundleId, String bundle, int openCount, Phase phase) {

    /** Where a MultiOpen is in its life cycle. */
    public enum Phase {
        /** Never opened, or its startup is running. */
        NEW,
        /** Open: its count is above 0. */
        OPEN,
        /** Opened before and now closed (also while its final shutdown runs). */
        CLOSED
    }

    /** @throws NullPointerException if a reference argument is null */
    public MultiOpenInfo {
        Objects.requireNonNull(className, "className");
        Objects.requireNonNull(bundle, "bundle");
        Objects.requireNonNull(phase, "phase");
    }
}
