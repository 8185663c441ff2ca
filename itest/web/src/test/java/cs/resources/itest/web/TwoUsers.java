package cs.resources.itest.web;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Hashtable;
import java.util.Map;
import org.apache.felix.webconsole.spi.SecurityProvider;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;

/**
 * A Web Console 5 security provider with two users, an admin and a viewer, as a site that gives
 * its console a login of its own has: registered above the console's built-in one (ranked
 * lowest), it takes over the console's logins until it is unregistered. The page asks it
 * {@code authorize(user, "admin")}: yes for the admin only. Kept out of the test classes'
 * signatures (the Web Console SPI is absent from the one-API frameworks).
 */
final class TwoUsers implements SecurityProvider {
    static final String VIEWER = "viewer";
    static final String VIEWER_PASSWORD = "viewer-secret";

    private final Map<String, String> passwords;

    private TwoUsers(Map<String, String> passwords) {
        this.passwords = passwords;
    }

    /** Registers the provider: {@code admin} with {@code adminPassword}, {@value #VIEWER} with {@value #VIEWER_PASSWORD}. */
    static ServiceRegistration<?> register(BundleContext context, String adminPassword) {
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(Constants.SERVICE_RANKING, Integer.MAX_VALUE);
        props.put(SecurityProvider.PROPERTY_ID, "cs.resources.itest.twousers");
        return context.registerService(SecurityProvider.class,
                new TwoUsers(Map.of("admin", adminPassword, VIEWER, VIEWER_PASSWORD)), props);
    }

    @Override
    public Object authenticate(HttpServletRequest request, HttpServletResponse response) {
        String header = request.getHeader("Authorization");
        if (header != null && header.regionMatches(true, 0, "Basic ", 0, 6)) {
            String pair = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
            int colon = pair.indexOf(':');
            if (colon > 0 && pair.substring(colon + 1).equals(passwords.get(pair.substring(0, colon)))) {
                return pair.substring(0, colon);
            }
        }
        response.setHeader("WWW-Authenticate", "Basic realm=\"two users\"");
        response.setStatus(401);
        return null;
    }

    @Override
    public boolean authorize(Object user, String role) {
        return "admin".equals(user) && "admin".equals(role);
    }

    @Override
    public void logout(HttpServletRequest request, HttpServletResponse response) {
        // nothing kept
    }
}
