package cs.resources.itest;

import cs.resources.AbstractMultiOpen;
import cs.resources.MultiOpen;
import cs.resources.osgi.Shared;
import cs.resources.osgi.SharedAs;
import java.util.concurrent.atomic.AtomicInteger;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/** A delayed MultiOpen component: Declarative Services activates it when its service is first got. */
@Component(service = Shared.class, property = "cs.resources.itest.role=delayed", enabled = false)
@SharedAs(MultiOpen.class)
public class DelayedProvider extends AbstractMultiOpen implements Shared {
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
