package cs.resources.webconsole;

import cs.resources.ClosedException;
import cs.resources.runtime.PoolInfo;
import cs.resources.runtime.Printable;
import cs.resources.runtime.ResourcesRuntime;
import cs.resources.runtime.RunStateInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * The Web Console page "Resources" (label {@value #LABEL}), free of any servlet API. The Web
 * Console routes to it every request under {@code <console>/resources}; it answers:
 *
 * <ul>
 *   <li>{@code GET resources}: the page's content (the console wraps it in its header and
 *       footer), with the anti-CSRF token of the caller's session;</li>
 *   <li>{@code GET resources.json}: the same data for scripts;</li>
 *   <li>{@code GET resources.fragment}: the page's tables alone, which its script fetches to
 *       refresh them in place;</li>
 *   <li>{@code GET resources.js}: that script;</li>
 *   <li>{@code POST resources} with {@code action} ({@code cancel}, {@code pause} or
 *       {@code resume}), {@code id} and the token (form field {@value Csrf#PARAMETER} or header
 *       {@value Csrf#HEADER}): cancels, pauses or resumes a RunState, for callers {@link Access}
 *       lets act. A form post is answered with a redirect to the page, a request that accepts
 *       JSON with what was done ({@code cancelled}, {@code paused} or {@code resumed}: the
 *       RunStates as they are after it).</li>
 *   <li>{@code POST resources} with {@code action} {@code resize} (and {@code maxTotal},
 *       {@code maxSize} or both, in ASCII digits; an empty one is left as it is) or
 *       {@code evict}, the pool's {@code service.id} as {@code id}, and the token: resizes a
 *       Pool service or evicts all its objects, for the same callers, through
 *       {@link ResourcesRuntime#setPoolMaxTotal}, {@link ResourcesRuntime#setPoolMaxSize} and
 *       {@link ResourcesRuntime#evictPool}. JSON answers: {@code resized} or {@code evicted}, the
 *       pool as it is after it. A bad number, or one the pool refuses, is a 400 naming the pool
 *       and the value; an id that is no Pool service (any more) or a closed pool a 409.</li>
 * </ul>
 *
 * <p>Everything from tasks and bundles (names, classes) is HTML-escaped ({@link Html}). The page
 * lists only through {@link ResourcesRuntime}, which activates nothing to list it.
 */
public final class ResourcesPage {

    /** The Web Console label: the page's path under the console. */
    public static final String LABEL = "resources";
    /** The page's title in the console's navigation. */
    public static final String TITLE = "Resources";
    /** The navigation category. */
    public static final String CATEGORY = "OSGi";

    /** The actions a POST may ask for, and the key of their JSON answer. */
    private static final Map<String, String> ACTIONS = Map.of("cancel", "cancelled", "pause", "paused",
            "resume", "resumed", "resize", "resized", "evict", "evicted");

    private static final String SCRIPT = load("resources.js");
    private static final String STYLE = load("resources.css");

    private final ResourcesRuntime runtime;
    private final Sampler sampler;
    private final ConsoleConfig config;
    private final Clock clock;

    /**
     * @param runtime what to list and cancel
     * @param sampler the pool history
     * @param config the page's configuration
     * @param clock the time source
     */
    public ResourcesPage(ResourcesRuntime runtime, Sampler sampler, ConsoleConfig config, Clock clock) {
        this.runtime = Objects.requireNonNull(runtime, "runtime");
        this.sampler = Objects.requireNonNull(sampler, "sampler");
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Answers one request.
     *
     * @param ex the request and its response
     * @throws IOException if writing the response fails
     */
    public void handle(Exchange ex) throws IOException {
        String path = ex.path();
        String last = path.substring(path.lastIndexOf('/') + 1);
        switch (ex.method()) {
            case "GET" -> {
                if (last.endsWith(".json")) {
                    json(ex);
                } else if (last.endsWith(".fragment")) {
                    fragment(ex);
                } else if (last.endsWith(".js")) {
                    text(ex, 200, "application/javascript;charset=utf-8", SCRIPT);
                } else {
                    page(ex);
                }
            }
            case "POST" -> post(ex);
            default -> {
                ex.header("Allow", "GET, POST");
                text(ex, 405, "text/plain;charset=utf-8", ex.method() + " is not supported here\n");
            }
        }
    }

    // --------------------------------------------------------------------------------- GET

    private void page(Exchange ex) throws IOException {
        boolean act = mayAct(ex);
        String token = Csrf.token(ex.session(true));
        Snapshot snapshot = snapshot();
        String root = ex.pluginRoot();
        PrintWriter w = ex.writer();
        w.print("<style>");
        w.print(STYLE);
        w.println("</style>");
        w.print("<div id=\"cs-resources\" data-plugin-root=\"" + Html.attr(root) + "\" data-token=\""
                + Html.attr(token) + "\" data-refresh=\"" + Math.max(0, config.refreshSeconds()) + "\">");
        w.print("<p class=\"statline ui-state-highlight\">");
        w.print(act ? "You may cancel, pause and resume RunStates, and resize pools and evict their objects."
                : "Read only: " + Html.text(refusal(ex)) + ".");
        w.print(" <a href=\"" + Html.attr(root + ".json") + "\">" + LABEL + ".json</a>");
        w.print(" <span id=\"cs-resources-status\" aria-live=\"polite\"></span></p>");
        // What became of the last action (the script fills it in; a refused one says why).
        w.print("<p id=\"cs-resources-message\" class=\"cs-message\" role=\"status\" aria-live=\"assertive\" hidden></p>");
        w.print("<div id=\"cs-resources-sections\">");
        sections(snapshot, act, token, root, window(), w);
        w.print("</div></div>");
        w.println("<script src=\"" + Html.attr(root + ".js") + "\"></script>");
        w.flush();
    }

    private void fragment(Exchange ex) throws IOException {
        boolean act = mayAct(ex);
        Exchange.Session session = ex.session(false);
        String token = session == null ? null : Csrf.token(session);
        ex.contentType("text/html;charset=utf-8");
        ex.header("Cache-Control", "no-store");
        PrintWriter w = ex.writer();
        sections(snapshot(), act && token != null, token, ex.pluginRoot(), window(), w);
        w.flush();
    }

    private void json(Exchange ex) throws IOException {
        Map<String, Object> m = snapshot().toJson(true);
        m.put("mayAct", mayAct(ex));
        text(ex, 200, "application/json;charset=utf-8", Json.write(m) + "\n");
    }

    private Snapshot snapshot() {
        return Snapshot.take(runtime, sampler.history(), clock.instant());
    }

    private boolean mayAct(Exchange ex) {
        return refusal(ex) == null;
    }

    /** @return why the caller may not act; null if it may */
    private String refusal(Exchange ex) {
        return config.readOnly() ? "actions are switched off (configuration " + ConsoleConfig.PID + ")"
                : Access.refusal(ex::attribute, config.adminRole());
    }

    // ------------------------------------------------------------------------------ render

    /** The window of the pool charts: the history the sampler keeps. */
    private Duration window() {
        long period = sampler.periodSeconds();
        return Duration.ofSeconds(period * Math.max(1, Math.min(config.historyMinutes() * 60L / period, 100_000)));
    }

    /** The three tables: what the page shows and its script refreshes. */
    static void sections(Snapshot s, boolean act, String token, String root, Duration window, PrintWriter w) {
        long live = s.runStates().stream().filter(RunStateInfo::isLive).count();
        w.print("<h3>RunStates <span class=\"cs-count\">" + live + " live, " + (s.runStates().size() - live)
                + " ended</span></h3>");
        Map<Long, Integer> depth = RunStateTree.depths(s.runStates());
        Map<String, Function<RunStateInfo, String>> html = Map.of(
                "name", r -> name(r, depth.getOrDefault(r.id(), 0)),
                "percentDone", ResourcesPage::progress);
        table(w, "cs-runstates", Tables.RUN_STATES, s.runStates(), html,
                act ? List.of(Map.entry("", r -> actions(r, root, token))) : List.of(),
                r -> "data-id=\"" + r.id() + "\" data-state=\"" + r.state() + "\" data-parent-id=\"" + r.parentId()
                        + "\" class=\"" + (r.isLive() ? "cs-live" : "cs-ended") + "\"");

        w.print("<h3>MultiOpens <span class=\"cs-count\">" + s.multiOpens().size() + "</span></h3>");
        table(w, "cs-multiopens", Tables.MULTI_OPENS, s.multiOpens(), Map.of(), List.of(),
                m -> "data-service-id=\"" + m.serviceId() + "\"");

        w.print("<h3>Pools <span class=\"cs-count\">" + s.pools().size() + "</span></h3>");
        List<Map.Entry<String, Function<PoolInfo, String>>> poolExtras = new ArrayList<>();
        poolExtras.add(Map.entry("In use and idle, last " + Cells.duration(window),
                p -> Chart.svg(s.history().getOrDefault(p.serviceId(), List.of()), s.time(), window)));
        if (act) {
            poolExtras.add(Map.entry("", p -> poolActions(p, root, token)));
        }
        table(w, "cs-pools", Tables.POOLS, s.pools(), Map.of(), poolExtras,
                p -> "data-service-id=\"" + p.serviceId() + "\"");
    }

    /** A child's name is indented under its parent, with a mark. */
    private static String name(RunStateInfo r, int depth) {
        if (depth == 0) {
            return Html.text(r.name());
        }
        return "<span class=\"cs-child\" style=\"padding-left:" + (depth * 1.5) + "em\">\u21b3 </span>"
                + Html.text(r.name());
    }

    /** A progress bar when the total is known, with the percentage and the message. */
    private static String progress(RunStateInfo r) {
        String text = Html.text(Tables.progressText(r));
        if (r.percentDone() < 0) {
            return text;
        }
        return "<progress max=\"" + r.progress().total() + "\" value=\"" + Math.min(r.progress().done(), r.progress().total())
                + "\" title=\"" + r.progress().done() + " of " + r.progress().total() + "\"></progress> " + text;
    }

    /** The buttons of a RunState: cancel while live, pause while running, resume while paused. */
    private static String actions(RunStateInfo r, String root, String token) {
        StringBuilder b = new StringBuilder();
        if (Tables.pausable(r)) {
            b.append(form("pause", "Pause", r, root, token));
        }
        if (Tables.resumable(r)) {
            b.append(form("resume", "Resume", r, root, token));
        }
        if (Tables.cancellable(r)) {
            b.append(form("cancel", "Cancel", r, root, token));
        }
        return b.toString();
    }

    private static String form(String action, String label, RunStateInfo r, String root, String token) {
        return "<form method=\"post\" action=\"" + Html.attr(root) + "\" class=\"cs-action\">"
                + "<input type=\"hidden\" name=\"action\" value=\"" + action + "\">"
                + "<input type=\"hidden\" name=\"id\" value=\"" + r.id() + "\">"
                + "<input type=\"hidden\" name=\"" + Csrf.PARAMETER + "\" value=\"" + Html.attr(token) + "\">"
                + "<button type=\"submit\" class=\"ui-button cs-" + action + "\" aria-label=\"" + action + " "
                + Html.attr(r.name()) + "\">" + label + "</button></form>";
    }

    /**
     * A pool's controls: a form for its new cap and idle bound (a field left empty is left as it
     * is; the current values are the placeholders) and Evict all; none for a closed pool.
     */
    private static String poolActions(PoolInfo p, String root, String token) {
        if (!Tables.resizable(p)) {
            return "";
        }
        String name = Html.attr(p.name());
        return "<form method=\"post\" action=\"" + Html.attr(root) + "\" class=\"cs-action cs-pool-form\">"
                + hidden("resize", p.serviceId(), token)
                + field("maxTotal", "Cap", p.serviceId(), p.maxTotal(), "new cap (maxTotal, 0: none) of pool " + name)
                + field("maxSize", "Max idle", p.serviceId(), p.maxSize(),
                        "new idle bound (maxSize, 0: none) of pool " + name)
                + "<button type=\"submit\" class=\"ui-button cs-resize\" aria-label=\"resize pool " + name
                + "\">Resize</button></form>"
                + "<form method=\"post\" action=\"" + Html.attr(root) + "\" class=\"cs-action\">"
                + hidden("evict", p.serviceId(), token)
                + "<button type=\"submit\" class=\"ui-button cs-evict\" aria-label=\"evict all objects of pool " + name
                + "\" title=\"dispose of every idle object now, and of every object in use when it comes back\">"
                + "Evict all</button></form>";
    }

    private static String hidden(String action, long id, String token) {
        return "<input type=\"hidden\" name=\"action\" value=\"" + action + "\">"
                + "<input type=\"hidden\" name=\"id\" value=\"" + id + "\">"
                + "<input type=\"hidden\" name=\"" + Csrf.PARAMETER + "\" value=\"" + Html.attr(token) + "\">";
    }

    /** A number field; class {@code cs-keep} and {@code data-key}: the script keeps what is typed across refreshes. */
    private static String field(String name, String label, long serviceId, int current, String ariaLabel) {
        return "<label class=\"cs-field\">" + label + " <input type=\"number\" min=\"0\" max=\"" + Integer.MAX_VALUE
                + "\" step=\"1\" inputmode=\"numeric\" name=\"" + name + "\" class=\"cs-keep\" data-key=\"" + serviceId
                + "/" + name + "\" placeholder=\"" + current + "\" aria-label=\"" + ariaLabel + "\"></label>";
    }

    /**
     * A table of the shown columns; a column named in {@code html} has its cells written by that
     * function (which escapes), the others are their text, escaped. Each of {@code extras} adds a
     * last column: its header and the HTML of its cells.
     */
    private static <T> void table(PrintWriter w, String id, List<Column<T>> columns, List<T> rows,
            Map<String, Function<T, String>> html, List<Map.Entry<String, Function<T, String>>> extras,
            Function<T, String> rowAttributes) {
        w.print("<table id=\"" + id + "\" class=\"nicetable cs-table\"><thead><tr>");
        int n = 0;
        for (Column<T> c : columns) {
            if (c.shown()) {
                w.print("<th>" + Html.text(c.header()) + "</th>");
                n++;
            }
        }
        for (Map.Entry<String, Function<T, String>> extra : extras) {
            w.print("<th>" + Html.text(extra.getKey()) + "</th>");
            n++;
        }
        w.print("</tr></thead><tbody>");
        if (rows.isEmpty()) {
            w.print("<tr class=\"cs-none\"><td colspan=\"" + n + "\">none</td></tr>");
        }
        for (T row : rows) {
            w.print("<tr " + rowAttributes.apply(row) + ">");
            for (Column<T> c : columns) {
                if (c.shown()) {
                    Object v = c.of(row);
                    Function<T, String> cell = html.get(c.key());
                    w.print("<td class=\"cs-" + c.key() + (Cells.numeric(v) ? " cs-num" : "") + "\">"
                            + (cell != null ? cell.apply(row) : Html.text(c.textOf(row))) + "</td>");
                }
            }
            for (Map.Entry<String, Function<T, String>> extra : extras) {
                w.print("<td class=\"cs-extra\">" + extra.getValue().apply(row) + "</td>");
            }
            w.print("</tr>");
        }
        w.print("</tbody></table>");
    }

    // -------------------------------------------------------------------------------- POST

    private void post(Exchange ex) throws IOException {
        boolean wantsJson = String.valueOf(ex.header("Accept")).toLowerCase(Locale.ROOT).contains("application/json");
        String presented = ex.header(Csrf.HEADER);
        if (presented == null) {
            presented = ex.parameter(Csrf.PARAMETER);
        }
        if (!Csrf.matches(ex.session(false), presented)) {
            refuse(ex, 403, wantsJson, "refused: the request does not carry this session's anti-CSRF token"
                    + " (reload the page and try again)");
            return;
        }
        String refusal = refusal(ex);
        if (refusal != null) {
            refuse(ex, 403, wantsJson, "refused: " + refusal);
            return;
        }
        String action = ex.parameter("action");
        if (!ACTIONS.containsKey(action)) {
            refuse(ex, 400, wantsJson, "unknown action " + (action == null ? "(none)" : "\"" + action + "\"")
                    + "; the page knows: cancel, pause, resume, resize, evict");
            return;
        }
        if (action.equals("resize") || action.equals("evict")) {
            poolAction(ex, action, wantsJson);
            return;
        }
        String given = ex.parameter("id");
        long id = id(given);
        if (id < 0) {
            refuse(ex, 400, wantsJson, action + ": give the id of a RunState (decimal digits), not "
                    + (given == null ? "nothing" : Printable.escape("\"" + given + "\"")));
            return;
        }
        List<RunStateInfo> done;
        try {
            // By id only: an id no longer live is refused, never taken for another RunState's name.
            done = switch (action) {
                case "pause" -> runtime.pauseByIds(List.of(id));
                case "resume" -> runtime.resumeByIds(List.of(id));
                default -> runtime.cancelByIds(List.of(id));
            };
        } catch (IllegalArgumentException e) {
            refuse(ex, 409, wantsJson, e.getMessage());
            return;
        }
        if (wantsJson) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put(ACTIONS.get(action), done.stream().map(r -> Json.row(Tables.RUN_STATES, r)).toList());
            text(ex, 200, "application/json;charset=utf-8", Json.write(m) + "\n");
        } else {
            ex.status(303);
            ex.header("Location", ex.pluginRoot());
        }
    }

    /**
     * Resizes a pool or evicts all its objects: the pool is the one with the posted service id,
     * never another (a stale id is a 409, as a RunState's is).
     */
    private void poolAction(Exchange ex, String action, boolean wantsJson) throws IOException {
        String given = ex.parameter("id");
        long id = id(given);
        if (id < 0) {
            refuse(ex, 400, wantsJson, action + ": give the service id of a Pool service (decimal digits), not "
                    + (given == null ? "nothing" : Printable.escape("\"" + given + "\"")));
            return;
        }
        PoolInfo before = pool(id);
        if (before == null) {
            refuse(ex, 409, wantsJson, stale(action, id));
            return;
        }
        String what = action + " pool " + id + " (" + Printable.escape(before.name()) + ")";
        if (before.closed()) {
            refuse(ex, 409, wantsJson, what + ": the pool is closed");
            return;
        }
        int maxTotal = -1;
        int maxSize = -1;
        if (action.equals("resize")) {
            String total = ex.parameter("maxTotal");
            String size = ex.parameter("maxSize");
            maxTotal = count(total);
            maxSize = count(size);
            String bad = maxTotal == BAD ? badCount(what, "maxTotal", "0: no cap", total)
                    : maxSize == BAD ? badCount(what, "maxSize", "0: no idle bound", size)
                    : maxTotal == NONE && maxSize == NONE ? what + ": give maxTotal, maxSize or both" : null;
            if (bad == null && maxTotal > 0 && maxSize > maxTotal) {
                bad = what + ": maxSize " + maxSize + " must not be above maxTotal " + maxTotal + "; nothing was changed";
            }
            if (bad != null) {
                refuse(ex, 400, wantsJson, bad);
                return;
            }
        }
        PoolInfo after;
        try {
            after = action.equals("evict") ? runtime.evictPool(id) : resize(id, before, maxTotal, maxSize);
        } catch (IllegalArgumentException e) {
            // The runtime says so when the id is gone, and when the pool refused the value: which one
            // is told by whether the pool is still listed.
            if (pool(id) == null) {
                refuse(ex, 409, wantsJson, stale(action, id));
            } else {
                refuse(ex, 400, wantsJson, what + ": " + Printable.escape(String.valueOf(e.getMessage())));
            }
            return;
        } catch (ClosedException e) {
            refuse(ex, 409, wantsJson, what + ": the pool is closed");
            return;
        } catch (RuntimeException e) {
            // The change was made; the pool's disposer threw on an object it let go of.
            refuse(ex, 500, wantsJson, what + ": done, but the pool's disposer threw "
                    + Printable.escape(String.valueOf(e)));
            return;
        }
        if (wantsJson) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put(ACTIONS.get(action), Json.row(Tables.POOLS, after));
            text(ex, 200, "application/json;charset=utf-8", Json.write(m) + "\n");
        } else {
            ex.status(303);
            ex.header("Location", ex.pluginRoot());
        }
    }

    /**
     * Sets what was given (NONE: left as it is), in the order that keeps the idle bound under the
     * cap at each step: the cap first when the new idle bound is above the present cap.
     */
    private PoolInfo resize(long id, PoolInfo before, int maxTotal, int maxSize) {
        if (maxTotal == NONE) {
            return runtime.setPoolMaxSize(id, maxSize);
        }
        if (maxSize == NONE) {
            return runtime.setPoolMaxTotal(id, maxTotal);
        }
        if (before.maxTotal() != 0 && maxSize > before.maxTotal()) {
            runtime.setPoolMaxTotal(id, maxTotal);
            return runtime.setPoolMaxSize(id, maxSize);
        }
        runtime.setPoolMaxSize(id, maxSize);
        return runtime.setPoolMaxTotal(id, maxTotal);
    }

    private PoolInfo pool(long serviceId) {
        for (PoolInfo p : runtime.pools()) {
            if (p.serviceId() == serviceId) {
                return p;
            }
        }
        return null;
    }

    private static String stale(String action, long id) {
        return action + ": no Pool service has the id " + id + " (it is gone: reload the page); nothing was changed";
    }

    private static String badCount(String what, String field, String zero, String given) {
        return what + ": " + field + " must be a whole number from 0 to " + Integer.MAX_VALUE + " (" + zero
                + ") in decimal digits, not " + Printable.escape("\"" + given + "\"") + "; nothing was changed";
    }

    /** {@link #count}: nothing given. */
    static final int NONE = -1;
    /** {@link #count}: not a count. */
    static final int BAD = -2;

    /**
     * @return the count {@code given} spells in ASCII decimal digits, at most {@link Integer#MAX_VALUE};
     *     {@link #NONE} if null or empty, {@link #BAD} otherwise (a sign, a space, other digits, too large)
     */
    static int count(String given) {
        if (given == null || given.isEmpty()) {
            return NONE;
        }
        if (given.length() > 10) {
            return BAD;
        }
        for (int i = 0; i < given.length(); i++) {
            char c = given.charAt(i);
            if (c < '0' || c > '9') {
                return BAD;
            }
        }
        long n = Long.parseLong(given);
        return n > Integer.MAX_VALUE ? BAD : (int) n;
    }

    /**
     * @return the RunState id {@code given} spells in ASCII decimal digits (no sign, no other
     *     script's digits, which {@link Character#isDigit} would admit), or -1
     */
    static long id(String given) {
        if (given == null || given.isEmpty() || given.length() > 18) {
            return -1;
        }
        for (int i = 0; i < given.length(); i++) {
            char c = given.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
        }
        return Long.parseLong(given);
    }

    private static void refuse(Exchange ex, int status, boolean json, String message) throws IOException {
        if (json) {
            text(ex, status, "application/json;charset=utf-8", Json.write(Map.of("error", message)) + "\n");
        } else {
            text(ex, status, "text/plain;charset=utf-8", message + "\n");
        }
    }

    private static void text(Exchange ex, int status, String type, String body) throws IOException {
        ex.status(status);
        ex.contentType(type);
        ex.header("Cache-Control", "no-store");
        ex.header("X-Content-Type-Options", "nosniff");
        PrintWriter w = ex.writer();
        w.print(body);
        w.flush();
    }

    private static String load(String name) {
        try (InputStream in = ResourcesPage.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("resource " + name + " is missing from the bundle");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // Used by the inventory printer's text dump: the shown columns as aligned plain text.

    /**
     * @param s a snapshot
     * @return its tables as aligned plain text, names as given (not escaped)
     */
    public static String plainText(Snapshot s) {
        StringBuilder b = new StringBuilder(1024);
        b.append("cs.resources at ").append(s.time()).append("\n\n");
        plain(b, "RunStates", Tables.RUN_STATES, s.runStates());
        plain(b, "MultiOpens", Tables.MULTI_OPENS, s.multiOpens());
        plain(b, "Pools", Tables.POOLS, s.pools());
        return b.toString();
    }

    private static <T> void plain(StringBuilder b, String title, List<Column<T>> columns, List<T> rows) {
        b.append(title).append(" (").append(rows.size()).append(")\n");
        List<Column<T>> shown = columns.stream().filter(Column::shown).toList();
        int[] width = new int[shown.size()];
        String[][] cells = new String[rows.size() + 1][shown.size()];
        boolean[] right = new boolean[shown.size()];
        for (int c = 0; c < shown.size(); c++) {
            cells[0][c] = shown.get(c).header().toUpperCase(Locale.ROOT);
            for (int r = 0; r < rows.size(); r++) {
                Object v = shown.get(c).of(rows.get(r));
                cells[r + 1][c] = Printable.escape(shown.get(c).textOf(rows.get(r)));
                right[c] |= Cells.numeric(v);
            }
            for (String[] row : cells) {
                width[c] = Math.max(width[c], row[c].length());
            }
        }
        for (String[] row : cells) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < row.length; c++) {
                String cell = row[c];
                String pad = " ".repeat(width[c] - cell.length());
                line.append(c == 0 ? "  " : "  ").append(right[c] ? pad + cell : cell + pad);
            }
            b.append(line.toString().stripTrailing()).append('\n');
        }
        b.append('\n');
    }
}
