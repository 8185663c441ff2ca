package cs.resources.itest.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.apache.felix.hc.api.Result;
import org.apache.felix.hc.api.ResultLog;
import org.apache.felix.hc.api.execution.HealthCheckExecutionOptions;
import org.apache.felix.hc.api.execution.HealthCheckExecutionResult;
import org.apache.felix.hc.api.execution.HealthCheckExecutor;
import org.apache.felix.hc.api.execution.HealthCheckSelector;
import org.apache.felix.inventory.Format;
import org.apache.felix.inventory.InventoryPrinter;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;
import org.osgi.util.tracker.ServiceTracker;

/**
 * Everything the tests do through the Health Check, Inventory and Metatype APIs, kept out of the
 * test classes' signatures: those packages are absent from the one-API frameworks, where the test
 * classes must still load to be skipped.
 */
final class Consoles {
    private Consoles() {
    }

    /** A health check's status and log. */
    record Health(String status, List<String> log) {
    }

    /**
     * Runs the checks tagged {@code tag} now (no cached result); there must be at most one. Status
     * {@code NONE} while there is none (a reconfigured check is briefly away).
     */
    static Health health(BundleContext context, String tag, long timeout) throws Exception {
        HealthCheckExecutor executor = service(context, HealthCheckExecutor.class, null, timeout);
        HealthCheckExecutionOptions options = new HealthCheckExecutionOptions();
        options.setForceInstantExecution(true);
        List<HealthCheckExecutionResult> results = executor.execute(HealthCheckSelector.tags(tag), options);
        assertThat(results).as("health checks tagged " + tag).hasSizeLessThan(2);
        if (results.isEmpty()) {
            return new Health("NONE", List.of());
        }
        Result r = results.get(0).getHealthCheckResult();
        List<String> messages = new ArrayList<>();
        for (ResultLog.Entry e : r) {
            messages.add(e.getStatus() + " " + e.getMessage());
        }
        return new Health(r.getStatus().name(), messages);
    }

    /** The inventory printer named {@code name}, in {@code format} (TEXT or JSON). */
    static String inventory(BundleContext context, String name, String format, long timeout) throws Exception {
        InventoryPrinter printer = service(context, InventoryPrinter.class, "(" + InventoryPrinter.NAME + "=" + name + ")",
                timeout);
        StringWriter out = new StringWriter();
        printer.print(new PrintWriter(out), Format.valueOf(format), false);
        return out.toString();
    }

    /** The PIDs of a bundle's metatype, and the attribute ids of one of them. */
    static List<String> metatype(BundleContext context, Bundle bundle, String pid, long timeout) throws Exception {
        MetaTypeInformation info = service(context, MetaTypeService.class, null, timeout).getMetaTypeInformation(bundle);
        List<String> ids = new ArrayList<>(List.of(info.getPids()));
        for (var a : info.getObjectClassDefinition(pid, null).getAttributeDefinitions(ObjectClassDefinition.ALL)) {
            ids.add(pid + "/" + a.getID());
        }
        return ids;
    }

    /** Waits for a service; the tracker stays open until the framework ends. */
    static <S> S service(BundleContext context, Class<S> type, String filter, long timeout) throws Exception {
        ServiceTracker<S, S> t = new ServiceTracker<>(context, filter == null
                ? context.createFilter("(objectClass=" + type.getName() + ")")
                : context.createFilter("(&(objectClass=" + type.getName() + ")" + filter + ")"), null);
        t.open();
        S s = t.waitForService(timeout);
        assertThat(s).as(type.getSimpleName() + (filter == null ? "" : " " + filter)).isNotNull();
        return s;
    }
}
