package cs.resources.webconsole;

import org.owasp.encoder.Encode;

/**
 * Escapes text for the page with the OWASP encoder, plus one character: the Web Console runs every
 * {@code text/html} response through a filter that replaces {@code ${name}} with variables and
 * translations, so a {@code $} from a task's name is written as {@code &#36;} to reach the browser
 * as it was given.
 */
public final class Html {
    private Html() {
    }

    /**
     * @param s text for an element's content
     * @return it escaped; "" for null
     */
    public static String text(String s) {
        return s == null ? "" : Encode.forHtml(s).replace("$", "&#36;");
    }

    /**
     * @param s text for a quoted attribute value
     * @return it escaped; "" for null
     */
    public static String attr(String s) {
        return s == null ? "" : Encode.forHtmlAttribute(s).replace("$", "&#36;");
    }
}
