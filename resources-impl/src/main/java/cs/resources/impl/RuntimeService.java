package cs.resources.impl;

import cs.resources.LeakDetection;
import cs.resources.Registration;
import cs.resources.RunState;
import cs.resources.runtime.MultiOpenInfo;
import cs.resources.runtime.PoolInfo;
import cs.resources.runtime.ResourcesRuntime;
import cs.resources.runtime.RunStateInfo;
import cs.resources.runtime.RunStateInfo.Source;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.framework.Bundle;
import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ServiceScope;

/**
 * The {@link ResourcesRuntime} service: one instance per using bundle (bundle scope), so that
 * {@link #register(RunState)} knows whose RunState it lists, and drops them all when that bundle
 * releases the service (for instance when it stops).
 */
@Component(scope = ServiceScope.BUNDLE)
public final class RuntimeService implements ResourcesRuntime {

    private final Registry registry;
    private final Bundle user;
    /** What {@link #register} tracks for this bundle now, to drop when the bundle lets go. */
    private final Map<Object, Registration> registrations = new ConcurrentHashMap<>();

    @Activate
    public RuntimeService(@Reference(name = "registry") Registry registry, ComponentContext context) {
        this.registry = registry;
        this.user = context.getUsingBundle();
    }

    @Deactivate
    void deactivate() {
        registrations.values().forEach(Registration::close);
    }

    @Override
    public List<RunStateInfo> runStates() {
        return registry.runStates(false);
    }

    @Override
    public List<RunStateInfo> runStates(boolean includeEnded) {
        return registry.runStates(includeEnded);
    }

    @Override
    public List<RunStateInfo> cancel(Collection<String> idsOrNames) {
        return registry.cancel(idsOrNames);
    }

    @Override
    public List<RunStateInfo> pause(Collection<String> idsOrNames) {
        return registry.pause(idsOrNames);
    }

    @Override
    public List<RunStateInfo> resume(Collection<String> idsOrNames) {
        return registry.resume(idsOrNames);
    }

    @Override
    public List<RunStateInfo> cancelByIds(Collection<Long> ids) {
        return registry.cancelByIds(ids);
    }

    @Override
    public List<RunStateInfo> pauseByIds(Collection<Long> ids) {
        return registry.pauseByIds(ids);
    }

    @Override
    public List<RunStateInfo> resumeByIds(Collection<Long> ids) {
        return registry.resumeByIds(ids);
    }

    @Override
    public List<MultiOpenInfo> multiOpens() {
        return registry.multiOpens();
    }

    @Override
    public List<PoolInfo> pools() {
        return registry.pools();
    }

    @Override
    public PoolInfo setPoolMaxTotal(long serviceId, int maxTotal) {
        return registry.actOnPool(serviceId, "setPoolMaxTotal(" + serviceId + ", " + maxTotal + ")",
                pool -> pool.setMaxTotal(maxTotal));
    }

    @Override
    public PoolInfo setPoolMaxSize(long serviceId, int maxSize) {
        return registry.actOnPool(serviceId, "setPoolMaxSize(" + serviceId + ", " + maxSize + ")",
                pool -> pool.setMaxSize(maxSize));
    }

    @Override
    public PoolInfo evictPool(long serviceId) {
        return registry.actOnPool(serviceId, "evictPool(" + serviceId + ")", cs.resources.Pool::evictAll);
    }

    @Override
    public List<LeakDetection.Holder> holders(long serviceId) {
        return registry.holders(serviceId);
    }

    @Override
    public Registration register(RunState runState) {
        Objects.requireNonNull(runState, "runState");
        Object key = new Object();
        Registration r = registry.track(runState, user, Source.REGISTERED, true, () -> registrations.remove(key));
        registrations.put(key, r);
        return r;
    }
}
