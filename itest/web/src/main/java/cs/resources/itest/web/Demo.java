package cs.resources.itest.web;

import cs.resources.MultiOpen;
import cs.resources.Pool;
import cs.resources.RunState;
import cs.resources.runtime.TaskService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * What the browser test adds to the launcher (dropped into its {@code load/} folder) when framework
 * property {@value #ENABLE} is {@code true}: a pool whose use goes up and down (for the chart),
 * used by tasks that run until cancelled (their names from {@value #TASKS}, separated by
 * {@code |}; by default one, {@value #DEFAULT_TASKS}), and an open MultiOpen service. The tasks the
 * test cancels, and the one with a hostile name, come from the launcher's console.
 */
@Component(immediate = true)
public final class Demo {

    /** The framework property that switches the demo on. */
    public static final String ENABLE = "cs.resources.itest.web.demo";
    /** The framework property with the tasks' names. */
    public static final String TASKS = "cs.resources.itest.web.demo.tasks";
    /** The default task names. */
    public static final String DEFAULT_TASKS = "demo-pool-user";

    private final List<RunState> runStates = new ArrayList<>();
    private final List<ServiceRegistration<?>> registrations = new ArrayList<>();
    private Pool<StringBuilder> pool;
    private MultiOpen connection;

    /**
     * @param context to read the properties and register the services
     * @param tasks to run the tasks
     */
    @Activate
    public Demo(BundleContext context, @Reference(name = "tasks") TaskService tasks) {
        if (!"true".equals(context.getProperty(ENABLE))) {
            return;
        }
        pool = Pool.builder(StringBuilder::new).name("demo-buffers").maxSize(4).maxTotal(4).build();
        registrations.add(context.registerService(Pool.class, pool, null));
        connection = MultiOpen.of(new cs.resources.Openable() {
            @Override
            public void open() {
            }

            @Override
            public void close() {
            }
        });
        connection.open();
        registrations.add(context.registerService(MultiOpen.class, connection, null));
        String names = context.getProperty(TASKS);
        for (String name : (names == null ? DEFAULT_TASKS : names).split("\\|")) {
            runStates.add(tasks.submit(name, rs -> {
                List<Pool.Lease<StringBuilder>> held = new ArrayList<>();
                for (int i = 0; rs.sleep(Duration.ofSeconds(1)); i++) {
                    // Up to three leases held, then all returned: in use goes 1, 2, 3, 0, ...
                    if (held.size() == 3) {
                        held.forEach(Pool.Lease::close);
                        held.clear();
                    } else {
                        held.add(pool.instance());
                    }
                }
                held.forEach(Pool.Lease::close);
            }).runState());
        }
    }

    @Deactivate
    void deactivate() {
        runStates.forEach(RunState::cancel);
        registrations.forEach(ServiceRegistration::unregister);
        if (connection != null) {
            connection.close();
        }
        if (pool != null) {
            pool.close();
        }
    }
}
