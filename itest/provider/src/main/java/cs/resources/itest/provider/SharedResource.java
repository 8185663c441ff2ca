package cs.resources.itest.provider;

import cs.resources.AbstractMultiOpen;
import cs.resources.MultiOpen;
import cs.resources.osgi.Shared;
import cs.resources.osgi.SharedAs;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * A shared MultiOpen component in a bundle of its own, so that the tests can stop, update and
 * restart the bundle while another bundle holds it open: registered under {@link Shared}, shared
 * as {@link MultiOpen} (its consumers bind to MultiOpen and get views). It records how often it
 * started and stopped, in its toString, which the tests read through the views they hold.
 */
@Component(service = Shared.class, property = "cs.resources.itest.role=provider", immediate = true)
@SharedAs(MultiOpen.class)
public final class SharedResource extends AbstractMultiOpen implements Shared {
    private int startups;
    private int shutdowns;

    @Activate
    public SharedResource() {
        holdOpen();
    }

    @Deactivate
    void deactivate() {
        retire();
    }

    @Override
    protected synchronized void startup() {
        startups++;
    }

    @Override
    protected synchronized void shutdown() {
        shutdowns++;
    }

    @Override
    public synchronized String toString() {
        return "SharedResource[startups=" + startups + ", shutdowns=" + shutdowns + "]";
    }
}
