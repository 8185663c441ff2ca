package cs.resources.metrics.jdk;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Hashtable;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

import cs.resources.metrics.Exposition;

/**
 * {@code /metrics} on the JDK's own HTTP server ({@code jdk.httpserver}), for a framework without a
 * Servlet Whiteboard (the launcher's {@code --metrics}, Karaf): GET and HEAD, HTTP Basic, the
 * Prometheus text format. Loaded only when {@code com.sun.net.httpserver} is wired.
 */
public final class JdkEndpoint implements AutoCloseable {

    private final HttpServer server;
    private final Exposition exposition;
    private final URI uri;

    /**
     * Binds and starts the server.
     *
     * @param host the address to listen on (a name or a literal)
     * @param port the port, 0 for a free one
     * @param exposition what to serve, and to whom
     * @throws IOException if the address cannot be bound
     */
    public JdkEndpoint(String host, int port, Exposition exposition) throws IOException {
        this.exposition = exposition;
        InetAddress address = InetAddress.getByName(host);
        server = HttpServer.create(new InetSocketAddress(address, port), 0);
        server.createContext("/metrics", this::handle);
        server.start();
        String literal = address.getHostAddress();
        uri = URI.create("http://" + (literal.contains(":") ? "[" + literal + "]" : literal) + ":"
                + server.getAddress().getPort() + "/metrics");
    }

    /**
     * Starts the server and registers its URL as a service ({@link URI}, with the URL also in the
     * service property {@code property}), for whoever prints or scrapes it.
     *
     * @param context the bundle's context
     * @param host the address to listen on
     * @param port the port, 0 for a free one
     * @param exposition what to serve, and to whom
     * @param property the service property that carries the URL
     * @return what unregisters the service and stops the server
     * @throws IOException if the address cannot be bound
     */
    public static AutoCloseable serve(BundleContext context, String host, int port, Exposition exposition, String property)
            throws IOException {
        JdkEndpoint server = new JdkEndpoint(host, port, exposition);
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(property, server.uri().toString());
        ServiceRegistration<URI> registration;
        try {
            registration = context.registerService(URI.class, server.uri(), props);
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        return () -> {
            try {
                registration.unregister();
            } finally {
                server.close();
            }
        };
    }

    /** @return the endpoint's URL, with the port the server took */
    public URI uri() {
        return uri;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!"/metrics".equals(exchange.getRequestURI().getPath())) {
                send(exchange, 404, "text/plain; charset=utf-8", "not found\n");
            } else if (!exposition.admits(exchange.getRequestHeaders().getFirst("Authorization"))) {
                exchange.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"" + Exposition.REALM + "\", charset=\"UTF-8\"");
                send(exchange, 401, "text/plain; charset=utf-8", "a user and password are needed\n");
            } else if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                send(exchange, 405, "text/plain; charset=utf-8", "GET or HEAD\n");
            } else {
                String text = exposition.text();
                if (text == null) {
                    send(exchange, 503, "text/plain; charset=utf-8",
                            "cs.resources.metrics has no registry of its own: its meters go to the MeterRegistry services\n");
                } else {
                    send(exchange, 200, Exposition.CONTENT_TYPE, text);
                }
            }
        }
    }

    private static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        boolean head = "HEAD".equals(exchange.getRequestMethod());
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    /** Stops the server at once (a scrape in progress is cut). */
    @Override
    public void close() {
        server.stop(0);
    }
}
