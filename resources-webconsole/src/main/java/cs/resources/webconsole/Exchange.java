package cs.resources.webconsole;

import java.io.IOException;
import java.io.PrintWriter;

/**
 * One HTTP request and its response as the page sees them, without a servlet API: the {@code
 * jakarta} and {@code javax} adapters each implement it over their request and response.
 */
public interface Exchange {

    /** @return the HTTP method, upper case */
    String method();

    /** @return the request URI's path (not decoded), e.g. {@code /system/console/resources.json} */
    String path();

    /**
     * @param name a query or form parameter
     * @return its first value; null if absent
     */
    String parameter(String name);

    /**
     * @param name a request header
     * @return its value; null if absent
     */
    String header(String name);

    /**
     * @param name a request attribute (the Web Console and Karaf put the login there)
     * @return its value; null if absent
     */
    Object attribute(String name);

    /**
     * @param create whether to start a session if there is none
     * @return the caller's HTTP session; null if it has none and {@code create} is false
     */
    Session session(boolean create);

    /** @return the path of this plugin, {@code /system/console/resources} by default */
    String pluginRoot();

    /** @param code the response status */
    void status(int code);

    /**
     * @param name a response header
     * @param value its value
     */
    void header(String name, String value);

    /** @param type the response's content type, with its charset */
    void contentType(String type);

    /**
     * @return the response's writer
     * @throws IOException if the container cannot give one
     */
    PrintWriter writer() throws IOException;

    /** An HTTP session's attributes. */
    interface Session {
        /**
         * @param name an attribute
         * @return its value; null if absent
         */
        Object get(String name);

        /**
         * @param name an attribute
         * @param value its new value
         */
        void set(String name, Object value);
    }
}
