package cs.resources.itest.provider;

import cs.resources.AbstractMultiOpen;
import cs.resources.MultiOpen;
import cs.resources.osgi.MultiOpenServices;
import java.util.Hashtable;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * A MultiOpen registered by hand with per-bundle views ({@link MultiOpenServices#register}), under
 * {@code cs.resources.itest.role=by-hand}. It leaves its registration to the framework, which
 * unregisters it when this bundle stops: the consumers must keep their opens then, as when the
 * provider unregisters it itself. It records how often it started and stopped, in its toString.
 */
@Component(service = {}, immediate = true)
public final class HandRegisteredResource extends AbstractMultiOpen {
    private int startups;
    private int shutdowns;

    @Activate
    public HandRegisteredResource(BundleContext context) {
        Hashtable<String, Object> props = new Hashtable<>();
        props.put("cs.resources.itest.role", "by-hand");
        MultiOpenServices.register(context, this, props, MultiOpen.class);
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
        return "HandRegisteredResource[startups=" + startups + ", shutdowns=" + shutdowns + "]";
    }
}
