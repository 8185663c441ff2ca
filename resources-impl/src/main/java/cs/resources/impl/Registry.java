package cs.resources.impl;

import cs.resources.LeakDetection;
import cs.resources.Registration;
import cs.resources.RunState;
import cs.resources.runtime.MultiOpenInfo;
import cs.resources.runtime.PoolInfo;
import cs.resources.runtime.RunStateInfo;
import cs.resources.runtime.RunStateInfo.Source;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.component.runtime.ServiceComponentRuntime;

/**
 * What the runtime knows, in three parts that share one set of rules:
 *
 * <ul>
 *   <li>{@link RunStateTracking}: RunState services, the RunStates tracked directly (registered
 *       through the runtime, the task service's tasks), their live children and a short history;
 *   <li>{@link MultiOpenListing}: MultiOpen services and MultiOpens published with views;
 *   <li>{@link PoolListing}: Pool services;
 *   <li>{@link ServiceReader}: the rules that keep listing free of side effects (no component
 *       activated, no service object kept, no lock held while user code runs).
 * </ul>
 *
 * This component holds them for the framework's lifetime of this bundle; it is shared by every
 * bundle's {@link RuntimeService} and by the {@link TaskServiceComponent}, and is not visible
 * outside this bundle. Thread-safe, as each part is.
 */
@Component(service = Registry.class, immediate = true)
public final class Registry {

    private static final System.Logger LOG = System.getLogger(Registry.class.getName());

    private final RunStateTracking runStates;
    private final MultiOpenListing multiOpens;
    private final PoolListing pools;

    /** Tells whether a component is active, so that getting its service activates nothing. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile ServiceComponentRuntime scr;

    @Activate
    public Registry(BundleContext context) {
        ServiceReader reader = new ServiceReader(context, () -> scr);
        runStates = new RunStateTracking(reader);
        multiOpens = new MultiOpenListing(reader);
        pools = new PoolListing(reader);
        runStates.open();
        multiOpens.open();
        pools.open();
    }

    /** At the runtime's end (often the framework's): what is still open or leased is reported. */
    @Deactivate
    void deactivate() {
        runStates.close();
        multiOpens.close();
        pools.close();
        List<LeakDetection.Holder> held = LeakDetection.held();
        if (!held.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, () -> "the cs.resources runtime stops with " + held.size()
                    + (held.size() == 1 ? " open or lease" : " opens or leases") + " still held:\n"
                    + held.stream().map(LeakDetection.Holder::describe).collect(Collectors.joining("\n")));
        }
    }

    // ------------------------------------------------------------------------------- RunStates

    /** See {@link RunStateTracking#track}. */
    Registration track(RunState runState, Bundle owner, Source source, boolean dropWhenEnded, Runnable onUntrack) {
        return runStates.track(runState, owner, source, dropWhenEnded, onUntrack);
    }

    /**
     * Lists a task of the task service's on behalf of the bundle that submitted it, until the
     * registration is closed; {@code nextRun} says when it runs next while it waits for its time.
     */
    Registration trackTask(RunState runState, long bundleId, String bundle, java.util.function.Supplier<java.time.Instant> nextRun) {
        return runStates.track(runState, bundleId, bundle, Source.TASK, false, null, nextRun);
    }

    List<RunStateInfo> runStates(boolean includeEnded) {
        return runStates.runStates(includeEnded);
    }

    List<RunStateInfo> cancel(Collection<String> idsOrNames) {
        return runStates.cancel(idsOrNames);
    }

    List<RunStateInfo> pause(Collection<String> idsOrNames) {
        return runStates.pause(idsOrNames);
    }

    List<RunStateInfo> resume(Collection<String> idsOrNames) {
        return runStates.resume(idsOrNames);
    }

    List<RunStateInfo> cancelByIds(Collection<Long> ids) {
        return runStates.cancelByIds(ids);
    }

    List<RunStateInfo> pauseByIds(Collection<Long> ids) {
        return runStates.pauseByIds(ids);
    }

    List<RunStateInfo> resumeByIds(Collection<Long> ids) {
        return runStates.resumeByIds(ids);
    }

    // ---------------------------------------------------------------------- MultiOpens, Pools

    List<MultiOpenInfo> multiOpens() {
        return multiOpens.multiOpens();
    }

    List<PoolInfo> pools() {
        return pools.pools();
    }

    /** An operator's action on a pool: see {@link PoolListing#act}. */
    PoolInfo actOnPool(long serviceId, String what, java.util.function.Consumer<cs.resources.Pool<?>> action) {
        return pools.act(serviceId, what, action);
    }

    /** @return who holds the MultiOpen or Pool service with {@code serviceId} */
    List<LeakDetection.Holder> holders(long serviceId) {
        return multiOpens.holders(serviceId)
                .or(() -> pools.holders(serviceId))
                .orElseThrow(() -> new IllegalArgumentException("no MultiOpen or Pool service has the id " + serviceId));
    }
}
