package cs.resources.itest;

import cs.resources.AbstractMultiOpen;
import cs.resources.MultiOpen;
import cs.resources.osgi.Shared;
import cs.resources.osgi.SharedAs;
import java.util.concurrent.atomic.AtomicInteger;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * A MultiOpen component as users write one: activation opens it, deactivation retires it. It
 * counts its startups and shutdowns (across instances) and remembers which thread shut it down.
 * Disabled until a test enables it.
 */
@Component(service = Shared.class, property = "cs.resources.itest.role=provider", enabled = false, immediate = true)
@SharedAs(MultiOpen.class)
public class Provider extends AbstractMultiOpen implements Shared {
    static final AtomicInteger STARTUPS = new AtomicInteger();
    static final AtomicInteger SHUTDOWNS = new AtomicInteger();
    static volatile String lastShutdownThread;

    @Activate
    public Provider() {
        holdOpen();
    }

    @Deactivate
    void deactivate() {
        retire();
    }

    @Override
    protected void startup() {
        STARTUPS.incrementAndGet();
    }

    @Override
    protected void shutdown() {
        lastShutdownThread = Thread.currentThread().getName();
        SHUTDOWNS.incrementAndGet();
    }
}
