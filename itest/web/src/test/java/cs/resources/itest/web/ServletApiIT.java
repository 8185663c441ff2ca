package cs.resources.itest.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogReaderService;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.common.service.ServiceAware;

/**
 * The bundle in a Felix with one servlet API or none, and no Web Console, Health Checks or
 * Inventory (framework property {@code cs.resources.itest.web.servletApi}: {@code none},
 * {@code javax} or {@code jakarta}), and in the full one ({@code both}): it resolves and starts,
 * enables the page of the API it is wired to (Jakarta where both are) and the integrations it is
 * wired to, nothing else; the page's servlet can be got; and in the small frameworks nothing is
 * logged at warning or error level: not by SCR, not by the framework, not by the bundle (Felix
 * Log keeps what they log for the test).
 */
@Frameworks({"none", "javax", "jakarta", "both"})
class ServletApiIT {
    static final long TIMEOUT = 30_000;

    @InjectBundleContext
    BundleContext context;

    @InjectService(timeout = TIMEOUT)
    ServiceComponentRuntime scr;

    @InjectService(cardinality = 0)
    ServiceAware<LogReaderService> logs;

    @Test
    void theBundleEnablesOnlyWhatIsWiredAndLogsNoWarningOrError() throws Exception {
        String api = context.getProperty("cs.resources.itest.web.servletApi");
        assertThat(api).isIn("none", "javax", "jakarta", "both");
        boolean both = api.equals("both");
        Bundle webconsole = null;
        for (Bundle b : context.getBundles()) {
            if ("cs.resources.webconsole".equals(b.getSymbolicName())) {
                webconsole = b;
            }
        }
        assertThat(webconsole).as("cs.resources.webconsole is installed").isNotNull();
        assertThat(webconsole.getState()).as("cs.resources.webconsole is active").isEqualTo(Bundle.ACTIVE);

        Map<String, Boolean> enabled = new TreeMap<>();
        for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs(webconsole)) {
            enabled.put(d.name, scr.isComponentEnabled(d));
        }
        Map<String, Boolean> expected = new TreeMap<>(Map.of(
                "cs.resources.webconsole.ConsoleSelector", true,
                "cs.resources.webconsole.Sampler", true,
                "cs.resources.webconsole.jakarta", both || api.equals("jakarta"),
                "cs.resources.webconsole.javax", api.equals("javax"),
                "cs.resources.webconsole.health", both,
                "cs.resources.webconsole.inventory", both));
        assertThat(enabled).isEqualTo(expected);

        // Where a page is registered, getting it activates it: its classes load and it serves.
        String servletClass = switch (api) {
            case "javax" -> "javax.servlet.Servlet";
            case "jakarta", "both" -> "jakarta.servlet.Servlet";
            default -> null;
        };
        for (String type : new String[] {"javax.servlet.Servlet", "jakarta.servlet.Servlet"}) {
            ServiceReference<?>[] refs = context.getServiceReferences(type, "(felix.webconsole.label=resources)");
            if (!type.equals(servletClass)) {
                assertThat(refs).as(type + " services").isNull();
                continue;
            }
            assertThat(refs).as(type + " services").hasSize(1);
            Object servlet = context.getService(refs[0]);
            try {
                assertThat(servlet.getClass().getName()).isEqualTo(
                        api.equals("javax") ? "cs.resources.webconsole.javax.JavaxPlugin"
                                : "cs.resources.webconsole.jakarta.JakartaPlugin");
                assertThat(servlet.getClass().getMethod("getServletInfo").invoke(servlet))
                        .isEqualTo("cs.resources: Resources");
            } finally {
                context.ungetService(refs[0]);
            }
        }
        // No component of the bundle failed.
        for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs(webconsole)) {
            for (ComponentConfigurationDTO c : scr.getComponentConfigurationDTOs(d)) {
                assertThat(c.failure).as(d.name + " failure").isNull();
                assertThat(c.state).as(d.name + " state").isNotEqualTo(ComponentConfigurationDTO.FAILED_ACTIVATION);
            }
        }

        if (both) {
            return; // pax-logging-api, no log reader: the small frameworks check the log
        }
        LogReaderService reader = logs.waitForService(TIMEOUT);
        assertThat(reader).as("Felix Log's reader").isNotNull();
        List<String> bad = new ArrayList<>();
        for (LogEntry e : Collections.list(reader.getLog())) {
            if (LogLevel.WARN.implies(e.getLogLevel())) { // WARN, ERROR or AUDIT
                bad.add(e.getLogLevel() + " " + (e.getBundle() == null ? "?" : e.getBundle().getSymbolicName()) + ": "
                        + e.getMessage() + (e.getException() == null ? "" : " " + e.getException()));
            }
        }
        assertThat(bad).as("warnings and errors logged in this framework").isEmpty();
    }
}
