package cs.resources.webconsole.jakarta;

import cs.resources.runtime.ResourcesRuntime;
import cs.resources.webconsole.ConsoleConfig;
import cs.resources.webconsole.ResourcesPage;
import cs.resources.webconsole.Sampler;
import cs.resources.webconsole.ServletApi;
import jakarta.servlet.Servlet;
import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.time.Clock;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The page as a Web Console 5 plugin: a {@code jakarta.servlet.Servlet} service with the console's
 * label and title properties, over {@link ResourcesPage}; the request and response reach it through
 * {@link ServletApi}, which it shares with the other servlet API's adapter. Enabled by {@code ConsoleSelector} only
 * where {@code jakarta.servlet} is wired to this bundle.
 */
@Component(name = JakartaPlugin.NAME, enabled = false, service = Servlet.class, configurationPid = ConsoleConfig.PID,
        property = {
            "felix.webconsole.label=" + ResourcesPage.LABEL,
            "felix.webconsole.title=" + ResourcesPage.TITLE,
            "felix.webconsole.category=" + ResourcesPage.CATEGORY
        })
public final class JakartaPlugin implements Servlet {

    /** The component name. */
    public static final String NAME = "cs.resources.webconsole.jakarta";

    private final ResourcesPage page;
    private final ServletApi api = new ServletApi(HttpServletRequest.class, HttpServletResponse.class,
            HttpSession.class);
    private volatile ServletConfig servletConfig;

    /**
     * @param runtime what the page lists
     * @param sampler the pool history
     * @param config the page's configuration
     */
    @Activate
    public JakartaPlugin(@Reference(name = "runtime") ResourcesRuntime runtime,
            @Reference(name = "sampler") Sampler sampler, ConsoleConfig config) {
        this.page = new ResourcesPage(runtime, sampler, config, Clock.systemUTC());
    }

    @Override
    public void init(ServletConfig config) {
        this.servletConfig = config;
    }

    @Override
    public ServletConfig getServletConfig() {
        return servletConfig;
    }

    @Override
    public void service(ServletRequest req, ServletResponse res) throws ServletException, IOException {
        if (!(req instanceof HttpServletRequest) || !(res instanceof HttpServletResponse)) {
            throw new ServletException("the Resources page answers HTTP requests only");
        }
        page.handle(api.exchange(req, res));
    }

    @Override
    public String getServletInfo() {
        return "cs.resources: " + ResourcesPage.TITLE;
    }

    @Override
    public void destroy() {
        // nothing held
    }
}
