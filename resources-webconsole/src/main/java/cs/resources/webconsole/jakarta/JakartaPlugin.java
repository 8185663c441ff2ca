package cs.resources.webconsole.jakarta;

import cs.resources.runtime.ResourcesRuntime;
import cs.resources.webconsole.ConsoleConfig;
import cs.resources.webconsole.Exchange;
import cs.resources.webconsole.ResourcesPage;
import cs.resources.webconsole.Sampler;
import jakarta.servlet.Servlet;
import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Clock;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The page as a Web Console 5 plugin: a {@code jakarta.servlet.Servlet} service with the console's
 * label and title properties, over {@link ResourcesPage}. Enabled by {@code ConsoleSelector} only
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
        if (!(req instanceof HttpServletRequest request) || !(res instanceof HttpServletResponse response)) {
            throw new ServletException("the Resources page answers HTTP requests only");
        }
        page.handle(new JakartaExchange(request, response));
    }

    @Override
    public String getServletInfo() {
        return "cs.resources: " + ResourcesPage.TITLE;
    }

    @Override
    public void destroy() {
        // nothing held
    }

    private record JakartaExchange(HttpServletRequest request, HttpServletResponse response) implements Exchange {
        @Override
        public String method() {
            return request.getMethod();
        }

        @Override
        public String path() {
            return request.getRequestURI();
        }

        @Override
        public String parameter(String name) {
            return request.getParameter(name);
        }

        @Override
        public String header(String name) {
            return request.getHeader(name);
        }

        @Override
        public Object attribute(String name) {
            return request.getAttribute(name);
        }

        @Override
        public Session session(boolean create) {
            HttpSession s = request.getSession(create);
            return s == null ? null : new Session() {
                @Override
                public Object get(String name) {
                    return s.getAttribute(name);
                }

                @Override
                public void set(String name, Object value) {
                    s.setAttribute(name, value);
                }
            };
        }

        @Override
        public String pluginRoot() {
            Object root = request.getAttribute("felix.webconsole.pluginRoot");
            return root instanceof String s ? s : request.getContextPath() + request.getServletPath() + "/" + ResourcesPage.LABEL;
        }

        @Override
        public void status(int code) {
            response.setStatus(code);
        }

        @Override
        public void header(String name, String value) {
            response.setHeader(name, value);
        }

        @Override
        public void contentType(String type) {
            response.setContentType(type);
        }

        @Override
        public PrintWriter writer() throws IOException {
            return response.getWriter();
        }
    }
}
