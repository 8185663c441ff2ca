package cs.resources.webconsole.javax;

import cs.resources.runtime.ResourcesRuntime;
import cs.resources.webconsole.ConsoleConfig;
import cs.resources.webconsole.ResourcesPage;
import cs.resources.webconsole.Sampler;
import cs.resources.webconsole.ServletApi;
import javax.servlet.Servlet;
import javax.servlet.ServletConfig;
import javax.servlet.ServletException;
import javax.servlet.ServletRequest;
import javax.servlet.ServletResponse;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import javax.servlet.http.HttpSession;
import java.io.IOException;
import java.time.Clock;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The page as a Web Console 4 plugin (Karaf 4.4): a {@code javax.servlet.Servlet} service with the console's
 * label and title properties, over {@link ResourcesPage}; the request and response reach it through
 * {@link ServletApi}, which it shares with the other servlet API's adapter. Enabled by {@code ConsoleSelector} only
 * where {@code javax.servlet} is wired to this bundle and {@code jakarta.servlet} is not (Web Console 5 would
 * otherwise also find it, through its legacy support, and warn about it).
 */
@Component(name = JavaxPlugin.NAME, enabled = false, service = Servlet.class, configurationPid = ConsoleConfig.PID,
        property = {
            "felix.webconsole.label=" + ResourcesPage.LABEL,
            "felix.webconsole.title=" + ResourcesPage.TITLE,
            "felix.webconsole.category=" + ResourcesPage.CATEGORY
        })
public final class JavaxPlugin implements Servlet {

    /** The component name. */
    public static final String NAME = "cs.resources.webconsole.javax";

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
    public JavaxPlugin(@Reference(name = "runtime") ResourcesRuntime runtime,
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
