package cs.resources.webconsole;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.UndeclaredThrowableException;

/**
 * One HTTP servlet API, Jakarta Servlet or {@code javax.servlet}, as far as the page needs it: the
 * {@link Exchange} over a request and a response of that API. The two APIs have the same methods
 * under two package names; this finds them once, by name, on the API's public interfaces
 * ({@code HttpServletRequest}, {@code HttpServletResponse}, {@code HttpSession}) that the
 * adapter passes in, so that the adapters ({@code jakarta.JakartaPlugin}, {@code javax.JavaxPlugin})
 * are a component and a {@code Servlet} each, and nothing else, and this package still imports
 * no servlet API. A method missing from the API fails at construction, when the adapter's
 * component activates, not at a request.
 */
public final class ServletApi {

    private final MethodHandle method;
    private final MethodHandle requestUri;
    private final MethodHandle parameter;
    private final MethodHandle requestHeader;
    private final MethodHandle attribute;
    private final MethodHandle session;
    private final MethodHandle contextPath;
    private final MethodHandle servletPath;
    private final MethodHandle sessionGet;
    private final MethodHandle sessionSet;
    private final MethodHandle status;
    private final MethodHandle responseHeader;
    private final MethodHandle contentType;
    private final MethodHandle writer;

    /**
     * @param request the API's {@code HttpServletRequest} interface
     * @param response its {@code HttpServletResponse}
     * @param session its {@code HttpSession}
     * @throws IllegalArgumentException if one of them lacks a method the page uses
     */
    public ServletApi(Class<?> request, Class<?> response, Class<?> session) {
        MethodHandles.Lookup lookup = MethodHandles.publicLookup();
        this.method = find(lookup, request, "getMethod", String.class);
        this.requestUri = find(lookup, request, "getRequestURI", String.class);
        this.parameter = find(lookup, request, "getParameter", String.class, String.class);
        this.requestHeader = find(lookup, request, "getHeader", String.class, String.class);
        this.attribute = find(lookup, request, "getAttribute", Object.class, String.class);
        this.session = find(lookup, request, "getSession", session, boolean.class);
        this.contextPath = find(lookup, request, "getContextPath", String.class);
        this.servletPath = find(lookup, request, "getServletPath", String.class);
        this.sessionGet = find(lookup, session, "getAttribute", Object.class, String.class);
        this.sessionSet = find(lookup, session, "setAttribute", void.class, String.class, Object.class);
        this.status = find(lookup, response, "setStatus", void.class, int.class);
        this.responseHeader = find(lookup, response, "setHeader", void.class, String.class, String.class);
        this.contentType = find(lookup, response, "setContentType", void.class, String.class);
        this.writer = find(lookup, response, "getWriter", PrintWriter.class);
    }

    /** The public method {@code name} of {@code type}, as a handle taking an {@code Object} receiver. */
    private static MethodHandle find(MethodHandles.Lookup lookup, Class<?> type, String name, Class<?> returns,
            Class<?>... parameters) {
        try {
            MethodHandle h = lookup.findVirtual(type, name, MethodType.methodType(returns, parameters));
            return h.asType(h.type().changeParameterType(0, Object.class).changeReturnType(
                    returns.isPrimitive() || returns == String.class || returns == PrintWriter.class ? returns
                            : Object.class));
        } catch (NoSuchMethodException | IllegalAccessException e) {
            throw new IllegalArgumentException(type.getName() + " has no public " + name + ": not a servlet API the"
                    + " Resources page knows", e);
        }
    }

    /**
     * @param request an {@code HttpServletRequest} of this API
     * @param response the {@code HttpServletResponse} of this API that answers it
     * @return the exchange the page handles
     */
    public Exchange exchange(Object request, Object response) {
        return new Exchange() {
            @Override
            public String method() {
                return (String) call(() -> (String) method.invokeExact(request));
            }

            @Override
            public String path() {
                return (String) call(() -> (String) requestUri.invokeExact(request));
            }

            @Override
            public String parameter(String name) {
                return (String) call(() -> (String) parameter.invokeExact(request, name));
            }

            @Override
            public String header(String name) {
                return (String) call(() -> (String) requestHeader.invokeExact(request, name));
            }

            @Override
            public Object attribute(String name) {
                return call(() -> (Object) attribute.invokeExact(request, name));
            }

            @Override
            public Session session(boolean create) {
                Object s = call(() -> (Object) session.invokeExact(request, create));
                return s == null ? null : new Session() {
                    @Override
                    public Object get(String name) {
                        return call(() -> (Object) sessionGet.invokeExact(s, name));
                    }

                    @Override
                    public void set(String name, Object value) {
                        call(() -> {
                            sessionSet.invokeExact(s, name, value);
                            return null;
                        });
                    }
                };
            }

            @Override
            public String pluginRoot() {
                // The Web Console tells its plugins where they are; without it, where the servlet is.
                Object root = attribute("felix.webconsole.pluginRoot");
                return root instanceof String s ? s
                        : call(() -> (String) contextPath.invokeExact(request)) + ""
                                + call(() -> (String) servletPath.invokeExact(request)) + "/" + ResourcesPage.LABEL;
            }

            @Override
            public void status(int code) {
                call(() -> {
                    status.invokeExact(response, code);
                    return null;
                });
            }

            @Override
            public void header(String name, String value) {
                call(() -> {
                    responseHeader.invokeExact(response, name, value);
                    return null;
                });
            }

            @Override
            public void contentType(String type) {
                call(() -> {
                    contentType.invokeExact(response, type);
                    return null;
                });
            }

            @Override
            public PrintWriter writer() throws IOException {
                try {
                    return (PrintWriter) writer.invokeExact(response);
                } catch (IOException | RuntimeException | Error e) {
                    throw e;
                } catch (Throwable t) {
                    throw new UndeclaredThrowableException(t);
                }
            }
        };
    }

    /** A call through a handle; what it throws unchecked passes through as it is. */
    private interface Call {
        Object run() throws Throwable;
    }

    private static Object call(Call c) {
        try {
            return c.run();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new UndeclaredThrowableException(t);
        }
    }
}
