package cs.resources.itest;

import cs.resources.AbstractMultiOpen;
import cs.resources.MultiOpen;
import cs.resources.osgi.Shared;
import cs.resources.osgi.SharedAs;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * A MultiOpen component in the recommended form: it does not open itself, so its startup runs in
 * its first consumer's thread (not inside the component's activation) and its shutdown in its last
 * consumer's close; deactivation only retires it. Disabled until a test enables it.
 */
@Component(service = Shared.class, property = "cs.resources.itest.role=provider", enabled = false, immediate = true)
@SharedAs(MultiOpen.class)
public class LazyProvider extends AbstractMultiOpen implements Shared {
    static final AtomicInteger STARTUPS = new AtomicInteger();
    static final AtomicInteger SHUTDOWNS = new AtomicInteger();
    /** "startup in thread" / "shutdown in thread", in order. */
    static final List<String> EVENTS = new CopyOnWriteArrayList<>();

    @Deactivate
    void deactivate() {
        EVENTS.add("deactivate in " + Thread.currentThread().getName());
        retire();
    }

    @Override
    protected void startup() {
        STARTUPS.incrementAndGet();
        EVENTS.add("startup in " + Thread.currentThread().getName());
    }

    @Override
    protected void shutdown() {
        SHUTDOWNS.incrementAndGet();
        EVENTS.add("shutdown in " + Thread.currentThread().getName());
    }
}
