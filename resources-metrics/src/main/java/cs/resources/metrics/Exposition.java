package cs.resources.metrics;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * What both {@code /metrics} endpoints share: the text they serve and the check of the password.
 * The text is the metrics component's own Prometheus registry's scrape in the Prometheus text
 * format 0.0.4; while meters go to other registries instead, there is none ({@code null}).
 */
public final class Exposition {

    /** The Prometheus text format's content type. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    /** The realm named in a 401's {@code WWW-Authenticate}. */
    public static final String REALM = "cs.resources metrics";

    private final Supplier<String> scrape;
    private final byte[] expected;

    /**
     * @param scrape the registry's text, or null when the component has no registry of its own
     * @param user the user name a request must give
     * @param password its password (not empty)
     */
    Exposition(Supplier<String> scrape, String user, String password) {
        this.scrape = Objects.requireNonNull(scrape, "scrape");
        Objects.requireNonNull(user, "user");
        if (password == null || password.isEmpty()) {
            throw new IllegalArgumentException("the metrics endpoint needs a password");
        }
        this.expected = (user + ":" + password).getBytes(StandardCharsets.UTF_8);
    }

    /** @return the text to serve, or null when there is no registry of this bundle's to serve */
    public String text() {
        return scrape.get();
    }

    /**
     * @param authorization the request's {@code Authorization} header (may be null)
     * @return whether it is HTTP Basic with the user and password (compared in constant time)
     */
    public boolean admits(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return false;
        }
        byte[] given;
        try {
            given = Base64.getDecoder().decode(authorization.substring(6).trim());
        } catch (IllegalArgumentException e) {
            return false;
        }
        return MessageDigest.isEqual(given, expected);
    }
}
