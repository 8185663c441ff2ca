package cs.resources.impl;

import java.lang.System.Logger.Level;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;

/**
 * The task service's events as EventAdmin events, while an EventAdmin service is there. Enabled
 * only when this bundle is wired to {@code org.osgi.service.event} (an optional import:
 * {@link TaskEventsSwitch} enables it only then, so its class is never loaded without the
 * package).
 *
 * <p>Events are posted ({@link EventAdmin#postEvent}, asynchronous delivery) from one thread of
 * ours, in the order the task service hands them over: EventAdmin delivers the events one thread
 * posts in the order it posted them, so a handler sees each task's events in order. No handler runs
 * in a task's thread or under any lock of ours.
 */
@Component(name = EventAdminTaskEvents.NAME, service = TaskEvents.class, enabled = false)
public final class EventAdminTaskEvents implements TaskEvents {

    /** The component's name; {@link TaskEventsSwitch} enables it when the package is wired. */
    public static final String NAME = "cs.resources.impl.EventAdminTaskEvents";

    /** The name of the thread that posts the events. */
    public static final String THREAD = "cs.resources-events";

    private static final System.Logger LOG = System.getLogger(EventAdminTaskEvents.class.getName());

    /**
     * The EventAdmin; null while there is none. Optional: a mandatory reference would make bnd
     * declare a service requirement that a resolver (bnd's, Karaf's) must satisfy, and EventAdmin
     * is optional.
     */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile EventAdmin eventAdmin;
    private final ExecutorService poster;

    @Activate
    public EventAdminTaskEvents() {
        this.poster = new ThreadPoolExecutor(0, 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, THREAD);
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public boolean listening() {
        return eventAdmin != null;
    }

    @Override
    public void post(String topic, Map<String, Object> properties) {
        if (eventAdmin == null) {
            return;
        }
        try {
            poster.execute(() -> {
                EventAdmin admin = eventAdmin;
                if (admin == null) {
                    return; // gone meanwhile
                }
                try {
                    admin.postEvent(new Event(topic, properties));
                } catch (RuntimeException e) {
                    // EventAdmin went away meanwhile (IllegalStateException), or refused the event.
                    LOG.log(Level.DEBUG, () -> "event " + topic + " not posted: " + e);
                }
            });
        } catch (RejectedExecutionException deactivated) {
            // EventAdmin is gone: no more events.
        }
    }

    @Deactivate
    void deactivate() {
        poster.shutdown(); // the queued events are still posted, or fail quietly if EventAdmin is gone
    }
}
