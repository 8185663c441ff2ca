package cs.resources.metrics.jakarta;

import java.io.IOException;
import java.util.Hashtable;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

import cs.resources.metrics.Exposition;

/**
 * {@code /metrics} as a Jakarta servlet under the Servlet Whiteboard (beside the Web Console in the
 * launcher's {@code --web}): GET, HTTP Basic, the Prometheus text format. Loaded only when
 * {@code jakarta.servlet.http} is wired.
 */
public final class MetricsServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    /** Whiteboard property names (the Servlet Whiteboard's, the same as the HTTP Whiteboard's). */
    private static final String PATTERN = "osgi.http.whiteboard.servlet.pattern";
    private static final String NAME = "osgi.http.whiteboard.servlet.name";

    private final transient Exposition exposition;

    private MetricsServlet(Exposition exposition) {
        this.exposition = exposition;
    }

    /**
     * Registers the servlet at {@code /metrics} of the whiteboard's default context.
     *
     * @param context the bundle's context
     * @param exposition what to serve, and to whom
     * @return what unregisters it
     */
    public static AutoCloseable register(BundleContext context, Exposition exposition) {
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(PATTERN, "/metrics");
        props.put(NAME, "cs.resources.metrics");
        ServiceRegistration<Servlet> registration = context.registerService(Servlet.class, new MetricsServlet(exposition), props);
        return registration::unregister;
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (!exposition.admits(request.getHeader("Authorization"))) {
            response.setHeader("WWW-Authenticate", "Basic realm=\"" + Exposition.REALM + "\", charset=\"UTF-8\"");
            plain(response, 401, "a user and password are needed\n");
            return;
        }
        String text = exposition.text();
        if (text == null) {
            plain(response, 503, "cs.resources.metrics has no registry of its own: its meters go to the MeterRegistry services\n");
            return;
        }
        response.setStatus(200);
        response.setContentType(Exposition.CONTENT_TYPE);
        response.getWriter().write(text);
    }

    private static void plain(HttpServletResponse response, int status, String body) throws IOException {
        response.setStatus(status);
        response.setContentType("text/plain; charset=utf-8");
        response.getWriter().write(body);
    }
}
