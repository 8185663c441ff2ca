package cs.resources.webconsole;

import cs.resources.runtime.ResourcesRuntime;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;

/**
 * Samples the pools (and notes stopping RunStates) every {@link ConsoleConfig#sampleSeconds()}
 * into a {@link History} of {@link ConsoleConfig#historyMinutes()}, in a daemon thread of its own.
 * A delayed component: it runs while a page, health check or inventory printer uses it, and stops
 * (its thread ends) when they let go or the bundle stops.
 */
@Designate(ocd = ConsoleConfig.class)
@Component(service = Sampler.class, configurationPid = ConsoleConfig.PID)
public final class Sampler {

    /** The name of the sampler's thread. */
    public static final String THREAD_NAME = "cs.resources.webconsole sampler";

    private static final System.Logger LOG = System.getLogger(Sampler.class.getName());

    private final ResourcesRuntime runtime;
    private final Clock clock;
    private final History history;
    private final long periodSeconds;
    private final ScheduledExecutorService executor;
    /** Whether the last sample failed, to log a failure once rather than at every sample. Sampler thread only. */
    private boolean failing;

    /**
     * @param runtime what to sample
     * @param config how often and how long
     */
    @Activate
    public Sampler(@Reference(name = "runtime") ResourcesRuntime runtime, ConsoleConfig config) {
        this.runtime = runtime;
        this.clock = Clock.systemUTC();
        this.periodSeconds = Math.max(1, config.sampleSeconds());
        long keep = Math.max(1, config.historyMinutes()) * 60L / periodSeconds;
        this.history = new History((int) Math.min(Math.max(2, keep), 100_000));
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, THREAD_NAME);
            t.setDaemon(true);
            return t;
        });
        executor.scheduleWithFixedDelay(this::sampleOnce, 0, periodSeconds, TimeUnit.SECONDS);
    }

    @Deactivate
    void deactivate() {
        executor.shutdownNow();
        try {
            // A sample takes microseconds; never hold SCR for long.
            if (!executor.awaitTermination(1, TimeUnit.SECONDS)) {
                LOG.log(Level.WARNING, THREAD_NAME + " did not end within 1 s of its deactivation");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** @return what was sampled so far */
    public History history() {
        return history;
    }

    /** @return the seconds between two samples */
    public long periodSeconds() {
        return periodSeconds;
    }

    private void sampleOnce() {
        try {
            history.record(clock.instant(), runtime.pools(), RunStateTree.flatten(runtime.runStates())); // children too
            failing = false;
        } catch (RuntimeException e) {
            if (!failing) {
                LOG.log(Level.WARNING, THREAD_NAME + ": cannot list the pools; the charts stop until it can", e);
            }
            failing = true;
        }
    }
}
