package cs.resources.webconsole;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The page's anti-CSRF token: 32 random bytes per HTTP session, written into the page and checked
 * on every action. A browser sends the console's cookies and Basic credentials with any request,
 * also one that another site's page makes; only a page the console served knows the token.
 *
 * <p>Two first requests of one session at the same moment may each store a token; the last one
 * wins and the other page's actions are refused until it is reloaded. No lock is taken around the
 * session (container code).
 */
public final class Csrf {
    private Csrf() {
    }

    /** The session attribute that holds the token. */
    public static final String ATTRIBUTE = "cs.resources.webconsole.csrf";
    /** The form parameter that carries it. */
    public static final String PARAMETER = "token";
    /** The request header that may carry it instead. */
    public static final String HEADER = "X-CSRF-Token";

    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * @param session the caller's session
     * @return its token, made now if it had none
     */
    public static String token(Exchange.Session session) {
        Object t = session.get(ATTRIBUTE);
        if (t instanceof String s) {
            return s;
        }
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        session.set(ATTRIBUTE, token);
        return token;
    }

    /**
     * @param session the caller's session; null if it has none
     * @param presented the token the request carries; null if none
     * @return whether the session has a token and the request carries it (compared in constant time)
     */
    public static boolean matches(Exchange.Session session, String presented) {
        if (session == null || presented == null) {
            return false;
        }
        Object t = session.get(ATTRIBUTE);
        return t instanceof String s && MessageDigest.isEqual(s.getBytes(StandardCharsets.UTF_8),
                presented.getBytes(StandardCharsets.UTF_8));
    }
}
