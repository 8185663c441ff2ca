package cs.resources.impl;

import cs.resources.runtime.Task;
import cs.resources.runtime.TaskHandle;
import cs.resources.runtime.TaskOptions;
import cs.resources.runtime.TaskService;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.service.component.ComponentConstants;
import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ServiceScope;

/**
 * The {@link TaskService} each bundle gets (bundle scope): the tasks it submits belong to it (the
 * runtime lists them with it, their events name it), and when it releases the service (it stops,
 * is updated, refreshed or uninstalled, or no longer uses the service) its tasks are cancelled,
 * given the grace period, then interrupted, with one warning naming it (none when the whole
 * framework stops: nothing is wrong then). The work is the shared
 * {@link TaskServiceComponent}'s: one queue and one limit of threads for every bundle.
 *
 * <p>It reads the task service's configuration too (PID {@value TaskServiceComponent#PID}), so that
 * its service properties show it ({@code threads}); a change of it modifies this component in
 * place, which keeps the bundle's tasks.
 */
@Component(scope = ServiceScope.BUNDLE, service = TaskService.class, configurationPid = TaskServiceComponent.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
public final class BundleTaskService implements TaskService {

    private final TaskServiceComponent tasks;
    /** This bundle's context, to read the framework's state. */
    private final BundleContext system;
    private final Bundle user;
    private final long userId;
    private final String userName;

    /**
     * @param tasks the shared task service
     * @param context the using bundle's
     * @param config the configuration, whose values (defaults included) become this service's
     *     properties ({@code threads}); the shared service applies it
     */
    @Activate
    public BundleTaskService(@Reference(name = "tasks") TaskServiceComponent tasks, ComponentContext context,
            TaskServiceComponent.Config config) {
        this.tasks = tasks;
        this.system = context.getBundleContext();
        this.user = context.getUsingBundle();
        this.userId = user.getBundleId();
        this.userName = ServiceReader.name(user);
    }

    /** A new configuration: nothing to do here (the shared service applies it), and the tasks stay. */
    @Modified
    void modified(TaskServiceComponent.Config config) {
        // the service properties follow the configuration: SCR updates them
    }

    /**
     * The bundle let the service go (SCR disposes of its instance, reason
     * {@code DEACTIVATION_REASON_DISPOSED}): its tasks end. When the task service itself goes away
     * (its configuration, its bundle, a disable), this is deactivated first, for another reason,
     * and does nothing: the task service winds every task down itself.
     */
    @Deactivate
    void deactivate(int reason) {
        if (reason != ComponentConstants.DEACTIVATION_REASON_DISPOSED) {
            return; // not a release by the bundle (SCR disposes of a bundle's instance when it lets go)
        }
        int state = user.getState();
        boolean stopping = state == Bundle.STOPPING || state == Bundle.RESOLVED || state == Bundle.UNINSTALLED
                || state == Bundle.INSTALLED;
        // When the whole framework stops, every bundle stops: the tasks end all the same, without a
        // warning for each bundle (nothing is wrong).
        Bundle framework = system.getBundle(Constants.SYSTEM_BUNDLE_ID);
        boolean shutdown = framework != null && framework.getState() == Bundle.STOPPING;
        tasks.endTasksOf(userId, userName, "bundle " + userName + " (" + userId + ") "
                + (stopping ? "stopped" : "released the task service"), !shutdown);
    }

    @Override
    public TaskHandle<Void> submit(String name, Task task) {
        return submit(name, task, TaskOptions.defaults());
    }

    @Override
    public TaskHandle<Void> submit(String name, Task task, boolean interruptOnCancel) {
        return submit(name, task, TaskOptions.defaults().interruptOnCancel(interruptOnCancel));
    }

    @Override
    public TaskHandle<Void> submit(String name, Task task, TaskOptions options) {
        return tasks.launch(userId, userName, name, TaskServiceComponent.work(task), options, null, null);
    }

    @Override
    public <T> TaskHandle<T> submit(String name, Callable<T> task) {
        return submit(name, task, TaskOptions.defaults());
    }

    @Override
    public <T> TaskHandle<T> submit(String name, Callable<T> task, TaskOptions options) {
        return tasks.launch(userId, userName, name, TaskServiceComponent.work(task), options, null, null);
    }

    @Override
    public TaskHandle<Void> schedule(String name, Task task, Duration delay) {
        return schedule(name, task, delay, TaskOptions.defaults());
    }

    @Override
    public TaskHandle<Void> schedule(String name, Task task, Duration delay, TaskOptions options) {
        return tasks.launch(userId, userName, name, TaskServiceComponent.work(task), options,
                TaskServiceComponent.delay(delay), null);
    }

    @Override
    public <T> TaskHandle<T> schedule(String name, Callable<T> task, Duration delay) {
        return schedule(name, task, delay, TaskOptions.defaults());
    }

    @Override
    public <T> TaskHandle<T> schedule(String name, Callable<T> task, Duration delay, TaskOptions options) {
        return tasks.launch(userId, userName, name, TaskServiceComponent.work(task), options,
                TaskServiceComponent.delay(delay), null);
    }

    @Override
    public TaskHandle<Void> scheduleAtFixedRate(String name, Task task, Duration initialDelay, Duration period) {
        return scheduleAtFixedRate(name, task, initialDelay, period, TaskOptions.defaults());
    }

    @Override
    public TaskHandle<Void> scheduleAtFixedRate(String name, Task task, Duration initialDelay, Duration period,
            TaskOptions options) {
        return tasks.launchAtFixedRate(userId, userName, name, task, initialDelay, period, options);
    }

    @Override
    public String toString() {
        return "TaskService[" + userName + "]";
    }
}
