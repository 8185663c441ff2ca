package cs.resources.itest;

import cs.resources.AbstractMultiOpen;
import cs.resources.MultiOpen;
import java.util.concurrent.atomic.AtomicInteger;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/** A delayed MultiOpen component: Declarative Services activates it when its service is first got. */
@Component(service = MultiOpen.class, property = "cs.resources.itest.role=delayed", enabled = false)
public class DelayedProvider extends AbstractMultiOpen {
    static final AtomicInteger ACTIVATIONS = new AtomicInteger();
    static final AtomicInteger STARTUPS = new AtomicInteger();

    @Activate
    public DelayedProvider() {
        ACTIVATIONS.incrementAndGet();
    }

    @Deactivate
    void deactivate() {
        retire();
    }

    @Override
    protected void startup() {
        STARTUPS.incrementAndGet();
    }
}
