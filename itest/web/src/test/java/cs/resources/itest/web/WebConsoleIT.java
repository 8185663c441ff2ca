package cs.resources.itest.web;

import static org.assertj.core.api.Assertions.assertThat;

import cs.resources.LeakDetection;
import cs.resources.Pool;
import cs.resources.RunState;
import cs.resources.runtime.ResourcesRuntime;
import cs.resources.runtime.RunStateInfo;
import cs.resources.runtime.TaskService;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.felix.utils.json.JSONParser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.util.tracker.ServiceTracker;

/**
 * The page in Felix with Felix HTTP Jetty 12 and Web Console 5, over HTTP as a browser sees it:
 * authentication, the tables, resources.json, cancel with and without the anti-CSRF token, hostile
 * names; then the health check, the inventory printer, the metatype, and the sampler's thread.
 */
@Frameworks("both")
class WebConsoleIT {
    static final long TIMEOUT = 30_000;
    static final String USER = "admin";
    static final String PASSWORD = "itest-secret";
    static final String HOSTILE = "<script>alert('it')</script> ${appRoot} \"q\"";

    static String console;

    @InjectService(timeout = TIMEOUT)
    ResourcesRuntime runtime;

    @InjectService(timeout = TIMEOUT)
    TaskService tasks;

    @InjectService(timeout = TIMEOUT)
    ConfigurationAdmin configAdmin;

    @InjectBundleContext
    BundleContext context;

    final List<RunState> started = new ArrayList<>();
    final List<ServiceRegistration<?>> registered = new ArrayList<>();
    final List<Configuration> configured = new ArrayList<>();

    /** Finds Jetty's port (it chose a free one) and waits until the console serves the page. */
    @BeforeAll
    static void findTheConsole() throws Exception {
        BundleContext bc = FrameworkUtil.getBundle(WebConsoleIT.class).getBundleContext();
        ServiceTracker<Object, Object> t = new ServiceTracker<>(bc,
                bc.createFilter("(objectClass=org.osgi.service.servlet.runtime.HttpServiceRuntime)"), null);
        t.open();
        try {
            assertThat(t.waitForService(TIMEOUT)).as("Jetty's HttpServiceRuntime").isNotNull();
            Object endpoint = t.getServiceReference().getProperty("osgi.http.endpoint");
            String url = endpoint instanceof String[] a ? a[0] : String.valueOf(endpoint);
            console = url.replaceAll("/+$", "") + "/system/console";
        } finally {
            t.close();
        }
        awaitPage();
    }

    static void awaitPage() throws Exception {
        Http http = new Http(console, USER, PASSWORD);
        await("the console serves the Resources page at " + console, () -> {
            try {
                return http.get("/resources").statusCode() == 200;
            } catch (java.io.IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        });
    }

    /** A MultiOpen service of this bundle's, open: the page and the dumps list it. */
    @org.junit.jupiter.api.BeforeEach
    void registerAMultiOpen() {
        cs.resources.MultiOpen shared = cs.resources.MultiOpen.of(new cs.resources.Openable() {
            @Override
            public void open() {
            }

            @Override
            public void close() {
            }
        });
        shared.open();
        registered.add(context.registerService(cs.resources.MultiOpen.class, shared, null));
    }

    @AfterEach
    void cleanUp() throws Exception {
        started.forEach(RunState::cancel);
        registered.forEach(ServiceRegistration::unregister);
        for (Configuration c : configured) {
            c.delete();
        }
        LeakDetection.setEnabled(false);
    }

    // ------------------------------------------------------------------------------- the page

    @Test
    void aRequestWithoutThePasswordGets401() throws Exception {
        assertThat(new Http(console, null, null).get("/resources").statusCode()).isEqualTo(401);
        assertThat(new Http(console, USER, "wrong").get("/resources").statusCode()).isEqualTo(401);
        assertThat(new Http(console, USER, "admin").get("/resources.json").statusCode()).isEqualTo(401);
        assertThat(new Http(console, null, null).post("/resources", Map.of("action", "cancel", "id", "1"))
                .statusCode()).isEqualTo(401);
    }

    @Test
    void thePageListsRunStatesMultiOpensAndPoolsInTheConsole() throws Exception {
        RunState rs = runningTask("it-page-task");
        Pool<Object> pool = pool("it-page-pool");
        Pool.Lease<Object> lease = pool.instance();
        try {
            HttpResponse<String> page = new Http(console, USER, PASSWORD).get("/resources");
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
            String html = page.body();
            // The console's frame around our content, our title in its navigation.
            assertThat(html).contains("<div id='content'>", ">Resources<", "id=\"cs-resources\"");
            assertThat(row(html, "cs-runstates", "data-id=\"" + rs.id() + "\""))
                    .contains(">it-page-task<", ">RUNNING<", ">" + context.getBundle().getSymbolicName() + "<",
                            "class=\"ui-button cs-cancel\""); // a task belongs to the bundle that submitted it
            assertThat(html).contains("cs.resources.OpenableMultiOpen");
            String poolRow = row(html, "cs-pools", ">it-page-pool<");
            assertThat(poolRow).contains("<td class=\"cs-inUse cs-num\">1</td>", "<svg class=\"cs-chart\"");
            assertThat(html).contains("<script src=\"/system/console/resources.js\"></script>");
            HttpResponse<String> script = new Http(console, USER, PASSWORD).get("/resources.js");
            assertThat(script.headers().firstValue("Content-Type").orElse("")).startsWith("application/javascript");
            assertThat(script.body()).contains("'.fragment'", "X-CSRF-Token").doesNotContain("<div id='content'>");
            String fragment = new Http(console, USER, PASSWORD).get("/resources.fragment").body();
            assertThat(fragment).startsWith("<h3>RunStates").contains(">it-page-task<").doesNotContain("<div id='content'>");
        } finally {
            lease.close();
        }
    }

    @Test
    void theJsonHasTheSameDataAsTheRuntime() throws Exception {
        RunState rs = runningTask("it-json-task");
        Pool<Object> pool = pool("it-json-pool");
        Pool.Lease<Object> lease = pool.instance();
        try {
            HttpResponse<String> r = new Http(console, USER, PASSWORD).get("/resources.json");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
            Map<String, Object> json = new JSONParser(r.body()).getParsed();
            assertThat(json).containsKeys("time", "runStates", "multiOpens", "pools").containsEntry("mayAct", true);
            Map<String, Object> task = find(json, "runStates", "id", rs.id());
            assertThat(task).containsEntry("name", "it-json-task").containsEntry("state", "RUNNING")
                    .containsEntry("bundle", context.getBundle().getSymbolicName()).containsEntry("source", "TASK");
            RunStateInfo info = runtime.runStates().stream().filter(i -> i.id() == rs.id()).findFirst().orElseThrow();
            assertThat(((Number) task.get("bundleId")).longValue()).isEqualTo(info.bundleId());
            assertThat(Long.valueOf(String.valueOf(task.get("runTimeMillis")))).isGreaterThanOrEqualTo(0);
            List<Long> ids = ids(json, "runStates");
            assertThat(ids).containsAll(runtime.runStates().stream().map(RunStateInfo::id).toList());
            Map<String, Object> p = find(json, "pools", "name", "it-json-pool");
            assertThat(((Number) p.get("inUse")).intValue()).isEqualTo(1);
            assertThat(((Number) p.get("created")).longValue()).isEqualTo(1);
            assertThat(p).containsKey("history");
            Map<String, Object> shared = find(json, "multiOpens", "className", "cs.resources.OpenableMultiOpen");
            assertThat(shared).containsEntry("phase", "OPEN").containsEntry("bundle", context.getBundle().getSymbolicName());
        } finally {
            lease.close();
        }
    }

    @Test
    void aCancelPostWithTheSessionsTokenCancelsAndWithoutItIsRefused() throws Exception {
        RunState rs = runningTask("it-cancel-task");
        CountDownLatch ended = new CountDownLatch(1);
        rs.onEnd(x -> ended.countDown());
        Http browser = new Http(console, USER, PASSWORD);
        String token = token(browser.get("/resources").body());
        Map<String, String> form = Map.of("action", "cancel", "id", Long.toString(rs.id()));

        HttpResponse<String> none = browser.post("/resources", form);
        assertThat(none.statusCode()).isEqualTo(403);
        assertThat(none.body()).contains("anti-CSRF token");
        HttpResponse<String> wrong = browser.post("/resources", with(form, "token", token + "x"));
        assertThat(wrong.statusCode()).isEqualTo(403);
        // Another session's token is no good either.
        Http other = new Http(console, USER, PASSWORD);
        String otherToken = token(other.get("/resources").body());
        assertThat(otherToken).isNotEqualTo(token);
        assertThat(browser.post("/resources", with(form, "token", otherToken)).statusCode()).isEqualTo(403);
        // ... nor a token with no session (a forged request carries the credentials, not the cookie).
        assertThat(new Http(console, USER, PASSWORD).post("/resources", with(form, "token", token)).statusCode())
                .isEqualTo(403);
        assertThat(rs.isCancelled()).as("refused requests cancel nothing").isFalse();

        HttpResponse<String> ok = browser.post("/resources", with(form, "token", token));
        assertThat(ok.statusCode()).isEqualTo(303);
        assertThat(ok.headers().firstValue("Location")).contains("/system/console/resources");
        assertThat(ended.await(TIMEOUT, TimeUnit.MILLISECONDS)).as("the task ended").isTrue();
        assertThat(rs.state()).isEqualTo(RunState.State.CANCELLED);
        assertThat(row(browser.get("/resources").body(), "cs-runstates", "data-id=\"" + rs.id() + "\""))
                .contains(">CANCELLED<").doesNotContain("cs-cancel");
    }

    @Test
    void theScriptsPostCarriesTheTokenInAHeaderAndGetsJson() throws Exception {
        RunState rs = runningTask("it-json-cancel");
        Http browser = new Http(console, USER, PASSWORD);
        String token = token(browser.get("/resources").body());
        HttpResponse<String> r = browser.post("/resources", Map.of("action", "cancel", "id", Long.toString(rs.id())),
                "Accept", "application/json", "X-CSRF-Token", token);
        assertThat(r.statusCode()).isEqualTo(200);
        Map<String, Object> json = new JSONParser(r.body()).getParsed();
        Map<String, Object> cancelled = find(json, "cancelled", "id", rs.id());
        assertThat(cancelled).containsEntry("name", "it-json-cancel");
        assertThat(String.valueOf(cancelled.get("state"))).isIn("STOPPING", "CANCELLED");
        // An ended one: a precise error, as JSON.
        await("the task ended", () -> !rs.isRunning());
        HttpResponse<String> again = browser.post("/resources", Map.of("action", "cancel", "id", Long.toString(rs.id())),
                "Accept", "application/json", "X-CSRF-Token", token);
        assertThat(again.statusCode()).isEqualTo(409);
        assertThat(again.body()).contains("RunState " + rs.id() + " has already ended (CANCELLED)");
        HttpResponse<String> bad = browser.post("/resources", Map.of("action", "cancel", "id", "ticker"),
                "Accept", "application/json", "X-CSRF-Token", token);
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("give the id of a RunState (decimal digits), not \\\"ticker\\\"");
        assertThat(browser.post("/resources", Map.of("action", "explode"), "X-CSRF-Token", token).body())
                .isEqualTo("unknown action \"explode\"; the page knows: cancel, pause, resume, resize, evict\n");
    }

    /**
     * The page acts by id only. A stale Cancel button (its RunState ended, or never known here)
     * posting {@code id=N} cancelled the live RunState whose name is "N"; and {@code
     * Character::isDigit} let digits of other scripts through, which the runtime then took for a
     * name. Now both are refused, saying why, and nothing else is touched.
     */
    @Test
    void actionsAreByIdOnlyAndAStaleIdNeverActsOnARunStateOfThatName() throws Exception {
        RunState gone = runningTask("it-stale-button");
        gone.cancel();
        await("the stale button's task ended", () -> !gone.isRunning());
        String staleId = Long.toString(gone.id());
        String unknownId = Long.toString(gone.id() + 1_000_000_000L);
        String otherDigits = "\u0664\u0662"; // ARABIC-INDIC DIGIT FOUR, TWO: "42" to Character.isDigit
        RunState namedStale = runningTask(staleId);
        RunState namedUnknown = runningTask(unknownId);
        RunState namedOther = runningTask(otherDigits);
        Http browser = new Http(console, USER, PASSWORD);
        String token = token(browser.get("/resources").body());
        for (String action : List.of("cancel", "pause")) {
            HttpResponse<String> stale = browser.post("/resources", Map.of("action", action, "id", staleId),
                    "Accept", "application/json", "X-CSRF-Token", token);
            assertThat(stale.statusCode()).as(action + " of an ended id").isEqualTo(409);
            assertThat(stale.body()).contains("RunState " + staleId + " has already ended");
            HttpResponse<String> unknown = browser.post("/resources", Map.of("action", action, "id", unknownId),
                    "Accept", "application/json", "X-CSRF-Token", token);
            assertThat(unknown.statusCode()).as(action + " of an unknown id").isEqualTo(409);
            assertThat(unknown.body()).contains("no live RunState has the id " + unknownId);
            HttpResponse<String> other = browser.post("/resources", Map.of("action", action, "id", otherDigits),
                    "Accept", "application/json", "X-CSRF-Token", token);
            assertThat(other.statusCode()).as(action + " of digits that are not ASCII").isEqualTo(400);
            assertThat(other.body()).contains("give the id of a RunState (decimal digits)");
        }
        for (RunState untouched : List.of(namedStale, namedUnknown, namedOther)) {
            assertThat(untouched.state()).as(untouched.name()).isEqualTo(RunState.State.RUNNING);
        }
        // The runtime's own by-id calls: the same rule for JMX and anyone else.
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                .isThrownBy(() -> runtime.cancelByIds(List.of(Long.parseLong(unknownId))))
                .withMessageStartingWith("cancel: no live RunState has the id " + unknownId + "; nothing was cancelled");
        assertThat(namedUnknown.isCancelled()).isFalse();
        assertThat(runtime.cancelByIds(List.of(namedUnknown.id())).get(0).id()).isEqualTo(namedUnknown.id());
        assertThat(namedUnknown.isCancelled()).isTrue();
    }

    @Test
    void progressTheTreeAndPauseAndResumeWithTheToken() throws Exception {
        RunState batch = new RunState("it-batch");
        batch.start();
        batch.setTotal(100);
        batch.setDone(40);
        batch.setMessage("copying <files>");
        RunState part = batch.child("it-batch-part");
        part.start();
        ServiceRegistration<?> reg = context.registerService(RunState.class, batch, null);
        try {
            pauseAndResume(batch, part);
        } finally {
            part.stop();
            batch.stop();
            reg.unregister();
        }
    }

    void pauseAndResume(RunState batch, RunState part) throws Exception {
        Http browser = new Http(console, USER, PASSWORD);
        await("the page lists the batch", () -> get(browser, "/resources").contains("data-id=\"" + batch.id() + "\""));
        String html = browser.get("/resources").body();
        String token = token(html);
        String batchRow = row(html, "cs-runstates", "data-id=\"" + batch.id() + "\"");
        assertThat(batchRow).contains("<progress max=\"100\" value=\"40\"", "40% copying &lt;files&gt;",
                "value=\"pause\"", "value=\"cancel\"").doesNotContain("value=\"resume\"");
        // The child under its parent, indented, naming it.
        assertThat(html.indexOf("data-id=\"" + part.id() + "\"")).isGreaterThan(html.indexOf("data-id=\"" + batch.id() + "\""));
        assertThat(row(html, "cs-runstates", "data-id=\"" + part.id() + "\"")).contains("data-parent-id=\"" + batch.id() + "\"",
                "class=\"cs-child\"", "it-batch-part");
        Map<String, Object> json = new JSONParser(browser.get("/resources.json").body()).getParsed();
        assertThat(find(json, "runStates", "id", part.id())).containsEntry("parentId", batch.id());
        assertThat(find(json, "runStates", "id", batch.id())).containsEntry("done", 40L).containsEntry("total", 100L)
                .containsEntry("percentDone", 40L).containsEntry("message", "copying <files>");

        Map<String, String> pause = Map.of("action", "pause", "id", Long.toString(batch.id()));
        assertThat(browser.post("/resources", pause).statusCode()).as("without the token").isEqualTo(403);
        assertThat(batch.isPaused()).isFalse();
        assertThat(browser.post("/resources", with(pause, "token", token)).statusCode()).isEqualTo(303);
        assertThat(batch.state()).isEqualTo(RunState.State.PAUSED);
        String paused = row(browser.get("/resources").body(), "cs-runstates", "data-id=\"" + batch.id() + "\"");
        assertThat(paused).contains(">PAUSED<", "value=\"resume\"", "value=\"cancel\"").doesNotContain("value=\"pause\"");
        HttpResponse<String> again = browser.post("/resources", pause, "Accept", "application/json", "X-CSRF-Token", token);
        assertThat(again.statusCode()).as("a paused one stays paused: " + again.body()).isEqualTo(200);
        assertThat(find(new JSONParser(again.body()).getParsed(), "paused", "id", batch.id())).containsEntry("state", "PAUSED");

        HttpResponse<String> resumed = browser.post("/resources", Map.of("action", "resume", "id",
                Long.toString(batch.id())), "Accept", "application/json", "X-CSRF-Token", token);
        assertThat(resumed.statusCode()).isEqualTo(200);
        assertThat(find(new JSONParser(resumed.body()).getParsed(), "resumed", "id", batch.id()))
                .containsEntry("state", "RUNNING");
        assertThat(batch.state()).isEqualTo(RunState.State.RUNNING);
        HttpResponse<String> notPaused = browser.post("/resources", Map.of("action", "resume", "id",
                Long.toString(batch.id())), "Accept", "application/json", "X-CSRF-Token", token);
        assertThat(notPaused.statusCode()).as("a running one cannot be resumed: " + notPaused.body()).isEqualTo(409);
        assertThat(notPaused.body()).contains("it-batch");
    }

    // ------------------------------------------------------------------------ pool controls

    /** A pool with a cap of 2 (its idle bound follows the cap) whose disposer counts. */
    record Counted(Pool<Object> pool, long serviceId, java.util.concurrent.atomic.AtomicInteger disposed) {
    }

    Counted cappedPool(String name) {
        java.util.concurrent.atomic.AtomicInteger disposed = new java.util.concurrent.atomic.AtomicInteger();
        Pool<Object> pool = Pool.builder(Object::new).name(name).maxTotal(2).disposer(o -> disposed.incrementAndGet())
                .build();
        ServiceRegistration<?> reg = context.registerService(Pool.class, pool, null);
        registered.add(reg);
        return new Counted(pool, (Long) reg.getReference().getProperty(org.osgi.framework.Constants.SERVICE_ID), disposed);
    }

    /**
     * The page, once the console serves it: a test before may have changed the page's
     * configuration, and SCR makes a new page component for the change and for its deletion.
     */
    static String page(Http http) throws InterruptedException {
        String[] html = {""};
        await("the console serves the page", () -> (html[0] = get(http, "/resources")).contains("data-token=\""));
        return html[0];
    }

    static Map<String, String> form(String... pairs) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put(pairs[i], pairs[i + 1]);
        }
        return m;
    }

    /**
     * Who may act gets, on each pool's row, a form for the cap and the idle bound and an Evict all
     * button, which post the pool's service id with the session's token: the pool is resized (the
     * cap first when the idle bound grows past it), its objects evicted (the idle ones at once, the
     * one in use when it comes back), and the table shows it.
     */
    @Test
    void aPoolIsResizedAndEvictedByServiceIdWithTheToken() throws Exception {
        Counted c = cappedPool("it-resize");
        Http browser = new Http(console, USER, PASSWORD);
        String html = page(browser);
        String token = token(html);
        String row = row(html, "cs-pools", "data-service-id=\"" + c.serviceId() + "\"");
        assertThat(row).contains("name=\"action\" value=\"resize\"", "name=\"action\" value=\"evict\"",
                "name=\"id\" value=\"" + c.serviceId() + "\"", "name=\"maxTotal\"", "name=\"maxSize\"",
                "aria-label=\"resize pool it-resize\"", ">Evict all</button>");

        Map<String, String> resize = form("action", "resize", "id", Long.toString(c.serviceId()), "maxTotal", "5",
                "maxSize", "");
        assertThat(browser.post("/resources", resize).statusCode()).as("without the token").isEqualTo(403);
        assertThat(c.pool().maxTotal()).isEqualTo(2);
        HttpResponse<String> posted = browser.post("/resources", with(resize, "token", token));
        assertThat(posted.statusCode()).as(posted.body()).isEqualTo(303);
        assertThat(posted.headers().firstValue("Location")).contains("/system/console/resources");
        assertThat(c.pool().maxTotal()).isEqualTo(5);
        assertThat(c.pool().maxSize()).as("an idle bound never set follows the cap").isEqualTo(5);

        // Both, the idle bound above the present cap: the cap goes first. As JSON, the script's way.
        HttpResponse<String> both = browser.post("/resources", form("action", "resize", "id",
                Long.toString(c.serviceId()), "maxTotal", "8", "maxSize", "7"), "Accept", "application/json",
                "X-CSRF-Token", token);
        assertThat(both.statusCode()).as(both.body()).isEqualTo(200);
        Map<String, Object> resized = new JSONParser(both.body()).getParsed();
        @SuppressWarnings("unchecked")
        Map<String, Object> after = (Map<String, Object>) resized.get("resized");
        assertThat(after).containsEntry("serviceId", c.serviceId()).containsEntry("name", "it-resize")
                .containsEntry("maxTotal", 8L).containsEntry("maxSize", 7L);
        assertThat(c.pool().maxTotal()).isEqualTo(8);
        assertThat(c.pool().maxSize()).isEqualTo(7);
        // Shrinking both: the idle bound first.
        assertThat(browser.post("/resources", form("action", "resize", "id", Long.toString(c.serviceId()), "maxTotal",
                "3", "maxSize", "1", "token", token)).statusCode()).isEqualTo(303);
        assertThat(c.pool().maxTotal()).isEqualTo(3);
        assertThat(c.pool().maxSize()).isEqualTo(1);
        assertThat(row(browser.get("/resources").body(), "cs-pools", "data-service-id=\"" + c.serviceId() + "\""))
                .contains("<td class=\"cs-maxTotal cs-num\">3</td>", "<td class=\"cs-maxSize cs-num\">1</td>");

        // Evict all: one idle object now, the one in use when it comes back; the pool stays open.
        Pool.Lease<Object> held = c.pool().instance();
        Object heldObject = held.get();
        c.pool().instance().close();
        assertThat(c.pool().stats().idle()).isEqualTo(1);
        HttpResponse<String> evicted = browser.post("/resources", form("action", "evict", "id",
                Long.toString(c.serviceId())), "Accept", "application/json", "X-CSRF-Token", token);
        assertThat(evicted.statusCode()).as(evicted.body()).isEqualTo(200);
        @SuppressWarnings("unchecked")
        Map<String, Object> e = (Map<String, Object>) new JSONParser(evicted.body()).getParsed().get("evicted");
        assertThat(e).containsEntry("serviceId", c.serviceId()).containsEntry("idle", 0L).containsEntry("inUse", 1L);
        assertThat(c.disposed().get()).as("the idle object, disposed of at once").isEqualTo(1);
        held.close();
        assertThat(c.disposed().get()).as("the one in use, when it came back").isEqualTo(2);
        try (Pool.Lease<Object> fresh = c.pool().instance()) {
            assertThat(fresh.get()).isNotSameAs(heldObject);
        }
        assertThat(c.pool().isClosed()).isFalse();
        // A form post (no script) of evict: the redirect.
        assertThat(browser.post("/resources", form("action", "evict", "id", Long.toString(c.serviceId()), "token", token))
                .statusCode()).isEqualTo(303);
        assertThat(c.disposed().get()).isEqualTo(3);
    }

    /**
     * A number that is not a count (a sign, letters, other scripts' digits, too large, nothing)
     * and a value the pool refuses are a 400 whose message names the pool and the value; nothing
     * is changed.
     */
    @Test
    void badNumbersForAPoolAre400NamingThePoolAndTheValue() throws Exception {
        Counted c = cappedPool("it-bad-numbers");
        c.pool().setMaxSize(2);
        Http browser = new Http(console, USER, PASSWORD);
        String token = token(page(browser));
        String id = Long.toString(c.serviceId());
        String pool = "resize pool " + id + " (it-bad-numbers): ";
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("-1", pool + "maxTotal must be a whole number from 0 to 2147483647 (0: no cap) in decimal digits,"
                + " not \\\"-1\\\"; nothing was changed");
        cases.put("lots", "not \\\"lots\\\"");
        cases.put("\u0664", "maxTotal must be a whole number");
        cases.put("2147483648", "not \\\"2147483648\\\"");
        cases.put("+3", "not \\\"+3\\\"");
        for (Map.Entry<String, String> bad : cases.entrySet()) {
            HttpResponse<String> r = browser.post("/resources", form("action", "resize", "id", id, "maxTotal",
                    bad.getKey()), "Accept", "application/json", "X-CSRF-Token", token);
            assertThat(r.statusCode()).as(bad.getKey()).isEqualTo(400);
            assertThat(r.body()).as(bad.getKey()).contains(pool.trim(), bad.getValue());
        }
        HttpResponse<String> size = browser.post("/resources", form("action", "resize", "id", id, "maxSize", "x1"),
                "Accept", "application/json", "X-CSRF-Token", token);
        assertThat(size.statusCode()).isEqualTo(400);
        assertThat(size.body()).contains(pool + "maxSize must be a whole number", "(0: no idle bound)", "not \\\"x1\\\"");
        HttpResponse<String> none = browser.post("/resources", form("action", "resize", "id", id, "maxTotal", "",
                "maxSize", ""), "Accept", "application/json", "X-CSRF-Token", token);
        assertThat(none.statusCode()).isEqualTo(400);
        assertThat(none.body()).contains(pool + "give maxTotal, maxSize or both");
        HttpResponse<String> crossed = browser.post("/resources", form("action", "resize", "id", id, "maxTotal", "2",
                "maxSize", "3"), "Accept", "application/json", "X-CSRF-Token", token);
        assertThat(crossed.statusCode()).isEqualTo(400);
        assertThat(crossed.body()).contains(pool + "maxSize 3 must not be above maxTotal 2; nothing was changed");
        // What the pool itself refuses: an idle bound above its cap, a cap below the idle bound set.
        HttpResponse<String> above = browser.post("/resources", form("action", "resize", "id", id, "maxSize", "9"),
                "Accept", "application/json", "X-CSRF-Token", token);
        assertThat(above.statusCode()).as(above.body()).isEqualTo(400);
        assertThat(above.body()).contains(pool + "setMaxSize(9) on Pool[it-bad-numbers]: maxSize must not be above maxTotal 2");
        HttpResponse<String> below = browser.post("/resources", form("action", "resize", "id", id, "maxTotal", "1",
                "token", token));
        assertThat(below.statusCode()).as(below.body()).isEqualTo(400);
        assertThat(below.body()).startsWith(pool + "setMaxTotal(1) on Pool[it-bad-numbers]: the cap must not be below maxSize 2");
        HttpResponse<String> badId = browser.post("/resources", form("action", "evict", "id", "it-bad-numbers"),
                "Accept", "application/json", "X-CSRF-Token", token);
        assertThat(badId.statusCode()).isEqualTo(400);
        assertThat(badId.body()).contains("evict: give the service id of a Pool service (decimal digits), not");
        assertThat(c.pool().maxTotal()).as("nothing changed").isEqualTo(2);
        assertThat(c.pool().maxSize()).as("nothing changed").isEqualTo(2);
    }

    /**
     * Pools are chosen by service id only: an id no Pool service has (any more), or another
     * service's, is a 409 saying so, and no other pool is touched; a closed pool is a 409 too.
     */
    @Test
    void aStaleOrClosedPoolIdIs409AndNoOtherPoolIsTouched() throws Exception {
        Counted gone = cappedPool("it-gone");
        Counted live = cappedPool("it-live");
        live.pool().instance().close();
        Http browser = new Http(console, USER, PASSWORD);
        String token = token(page(browser)); // the page still shows it-gone
        ServiceRegistration<?> reg = registered.stream().filter(r -> r.getReference().getProperty(
                org.osgi.framework.Constants.SERVICE_ID).equals(gone.serviceId())).findFirst().orElseThrow();
        reg.unregister();
        registered.remove(reg);
        long otherService = (Long) registered.get(0).getReference().getProperty(org.osgi.framework.Constants.SERVICE_ID);
        for (long stale : List.of(gone.serviceId(), otherService, Long.MAX_VALUE / 10)) {
            for (String action : List.of("resize", "evict")) {
                HttpResponse<String> r = browser.post("/resources", form("action", action, "id", Long.toString(stale),
                        "maxTotal", "1"), "Accept", "application/json", "X-CSRF-Token", token);
                assertThat(r.statusCode()).as(action + " " + stale).isEqualTo(409);
                assertThat(r.body()).contains(action + ": no Pool service has the id " + stale
                        + " (it is gone: reload the page); nothing was changed");
            }
        }
        assertThat(gone.pool().maxTotal()).isEqualTo(2);
        assertThat(live.pool().maxTotal()).isEqualTo(2);
        assertThat(live.pool().stats().idle()).as("nothing evicted").isEqualTo(1);
        assertThat(live.disposed().get()).isZero();

        live.pool().close();
        HttpResponse<String> closed = browser.post("/resources", form("action", "evict", "id",
                Long.toString(live.serviceId())), "Accept", "application/json", "X-CSRF-Token", token);
        assertThat(closed.statusCode()).isEqualTo(409);
        assertThat(closed.body()).contains("evict pool " + live.serviceId() + " (it-live): the pool is closed");
        assertThat(row(browser.get("/resources").body(), "cs-pools", "data-service-id=\"" + live.serviceId() + "\""))
                .as("a closed pool has no controls").doesNotContain("<form");
    }

    /**
     * With a console login that knows an admin and a viewer (a Web Console security provider): the
     * viewer sees the pools without controls and is refused, with the reason, even with its own
     * session's token; the admin resizes through the same login.
     */
    @Test
    void aViewerSeesNoPoolControlsAndIsRefusedWithTheReason() throws Exception {
        Counted c = cappedPool("it-viewer");
        ServiceRegistration<?> login = TwoUsers.register(context, PASSWORD);
        registered.add(login);
        Http viewer = new Http(console, TwoUsers.VIEWER, TwoUsers.VIEWER_PASSWORD);
        await("the console admits the viewer", () -> get(viewer, "/resources").contains("id=\"cs-resources\""));
        String html = viewer.get("/resources").body();
        assertThat(html).contains("Read only: your login does not have the role admin.");
        assertThat(row(html, "cs-pools", "data-service-id=\"" + c.serviceId() + "\"")).contains(">it-viewer<")
                .doesNotContain("<form", "value=\"resize\"", "value=\"evict\"");
        String token = token(html);
        for (Map<String, String> f : List.of(form("action", "resize", "id", Long.toString(c.serviceId()), "maxTotal", "7"),
                form("action", "evict", "id", Long.toString(c.serviceId())))) {
            HttpResponse<String> r = viewer.post("/resources", f, "Accept", "application/json", "X-CSRF-Token", token);
            assertThat(r.statusCode()).as(f.toString()).isEqualTo(403);
            assertThat(r.body()).contains("refused: your login does not have the role admin");
        }
        assertThat(c.pool().maxTotal()).isEqualTo(2);
        assertThat(new Http(console, TwoUsers.VIEWER, "wrong").get("/resources").statusCode()).isEqualTo(401);

        Http admin = new Http(console, USER, PASSWORD);
        String adminPage = page(admin);
        assertThat(row(adminPage, "cs-pools", "data-service-id=\"" + c.serviceId() + "\"")).contains("value=\"resize\"");
        HttpResponse<String> r = admin.post("/resources", form("action", "resize", "id", Long.toString(c.serviceId()),
                "maxTotal", "7"), "Accept", "application/json", "X-CSRF-Token", token(adminPage));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(c.pool().maxTotal()).isEqualTo(7);
    }

    static String get(Http http, String path) {
        try {
            return http.get(path).body();
        } catch (java.io.IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    @Test
    void hostileNamesShowAsText() throws Exception {
        RunState rs = runningTask(HOSTILE);
        Http browser = new Http(console, USER, PASSWORD);
        String html = browser.get("/resources").body();
        String row = row(html, "cs-runstates", "data-id=\"" + rs.id() + "\"");
        assertThat(row).contains("&lt;script&gt;alert(&#39;it&#39;)&lt;/script&gt; &#36;{appRoot} &#34;q&#34;");
        assertThat(html).doesNotContain("<script>alert(");
        // The console's template filter left the name alone: no console path where ${appRoot} was.
        assertThat(row).doesNotContain("/system/console &#34;q");
        Map<String, Object> json = new JSONParser(browser.get("/resources.json").body()).getParsed();
        assertThat(find(json, "runStates", "id", rs.id())).containsEntry("name", HOSTILE);
    }

    // ----------------------------------------------------------------------- health, inventory

    @Test
    void theHealthCheckWarnsOfARunStateStoppingTooLongAndIsOkOtherwise() throws Exception {
        configure("cs.resources.webconsole", "sampleSeconds", 1);
        configure("cs.resources.health", "stoppingThresholdSeconds", 1L);
        // Status and log from one execution: the configuration changes above re-register the check,
        // and an execution meanwhile (CI saw one) reports a status with an empty log.
        await("the health check is OK, and says so", () -> {
            Consoles.Health h = health();
            return h.status().equals("OK") && h.log().stream().anyMatch(m -> m.startsWith("OK cs.resources OK: "));
        });

        RunState stuck = new RunState("it-stuck {}");
        stuck.start();
        stuck.cancel(); // cancelled, still running: STOPPING
        registered.add(context.registerService(RunState.class, stuck, null));
        String warning = "WARN RunState " + stuck.id() + " it-stuck {} (bundle cs.resources.itest.web.tests): stopping for ";
        await("the health check warns of it", () -> {
            Consoles.Health h = health();
            return h.status().equals("WARN") && h.log().stream().anyMatch(m -> m.startsWith(warning));
        });
        assertThat(health().log()).anySatisfy(m -> assertThat(m).startsWith(warning)
                .endsWith("(threshold 1 s); it was cancelled and has not ended"));
        stuck.stop();
        await("the health check is OK again", () -> health().status().equals("OK"));
    }

    @Test
    void theHealthCheckWarnsOfAPoolWithWaitersOrTimeoutsInTheWindow() throws Exception {
        configure("cs.resources.webconsole", "sampleSeconds", 1);
        configure("cs.resources.health", "poolWindowSeconds", 10L);
        await("the health check is OK", () -> health().status().equals("OK"));
        Pool<Object> capped = Pool.builder(Object::new).name("it-capped").maxTotal(1).build();
        ServiceRegistration<?> reg = context.registerService(Pool.class, capped, null);
        registered.add(reg);
        long serviceId = (Long) reg.getReference().getProperty(org.osgi.framework.Constants.SERVICE_ID);
        String prefix = "WARN pool it-capped (service " + serviceId + ", bundle cs.resources.itest.web.tests): in the last 10 s, ";
        Pool.Lease<Object> held = capped.instance();
        java.util.concurrent.CompletableFuture<Object> waiter = new java.util.concurrent.CompletableFuture<>();
        Thread borrower = new Thread(() -> {
            try (Pool.Lease<Object> lease = capped.instance(Duration.ofSeconds(60))) {
                waiter.complete(lease.get());
            } catch (RuntimeException e) {
                waiter.completeExceptionally(e);
            }
        }, "it-capped-borrower");
        try {
            borrower.start();
            await("a borrower waits at the cap", () -> capped.stats().waiting() == 1);
            await("the health check warns of the waiter", () -> health().status().equals("WARN"));
            assertThat(health().log()).anySatisfy(m -> assertThat(m).startsWith(prefix + "up to 1 borrowers waiting, "));
            // One that will not wait times out: counted in the window too.
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> capped.instance(Duration.ZERO))
                    .isInstanceOf(cs.resources.PoolTimeoutException.class);
            await("the health check counts the timeout", () -> health().log().stream()
                    .anyMatch(m -> m.startsWith(prefix) && m.endsWith(", 1 timeouts")));
            Map<String, Object> json = new JSONParser(new Http(console, USER, PASSWORD).get("/resources.json").body())
                    .getParsed();
            assertThat(find(json, "pools", "serviceId", serviceId)).containsEntry("maxTotal", 1L)
                    .containsEntry("waiting", 1L).containsEntry("timeouts", 1L);
        } finally {
            held.close();
            borrower.join(TIMEOUT);
        }
        assertThat(waiter).isCompleted();
        await("the health check is OK once the window has passed", () -> health().status().equals("OK"));
    }

    /** A MultiOpen whose startup fails while {@link #fail} is set. */
    static final class Flaky extends cs.resources.AbstractMultiOpen {
        final java.util.concurrent.atomic.AtomicBoolean fail = new java.util.concurrent.atomic.AtomicBoolean(true);

        @Override
        protected void startup() throws java.io.IOException {
            if (fail.get()) {
                throw new java.io.IOException("it-flaky: <connection refused>");
            }
        }
    }

    @Test
    void aMultiOpenWhoseLastStartupFailedIsCriticalUntilAStartupSucceeds() throws Exception {
        await("the health check is OK", () -> health().status().equals("OK"));
        Flaky flaky = new Flaky();
        ServiceRegistration<?> reg = context.registerService(cs.resources.MultiOpen.class, flaky, null);
        registered.add(reg);
        long serviceId = (Long) reg.getReference().getProperty(org.osgi.framework.Constants.SERVICE_ID);
        org.assertj.core.api.Assertions.assertThatThrownBy(flaky::open).hasRootCauseMessage("it-flaky: <connection refused>");

        await("the health check is CRITICAL", () -> health().status().equals("CRITICAL"));
        assertThat(health().log()).anySatisfy(m -> assertThat(m).isEqualTo("CRITICAL MultiOpen service " + serviceId
                + " (" + Flaky.class.getName() + ", bundle cs.resources.itest.web.tests): its last startup failed:"
                + " java.io.IOException: it-flaky: <connection refused>"));
        Map<String, Object> json = new JSONParser(new Http(console, USER, PASSWORD).get("/resources.json").body())
                .getParsed();
        assertThat(find(json, "multiOpens", "serviceId", serviceId))
                .containsEntry("lastStartupFailure", "java.io.IOException: it-flaky: <connection refused>")
                .containsEntry("phase", "NEW").containsEntry("registered", true).containsEntry("retired", false);
        assertThat(new Http(console, USER, PASSWORD).get("/resources").body())
                .contains("java.io.IOException: it-flaky: &lt;connection refused&gt;");

        flaky.fail.set(false);
        flaky.open();
        try {
            await("the health check is OK after a startup that succeeded", () -> health().status().equals("OK"));
            Map<String, Object> after = new JSONParser(new Http(console, USER, PASSWORD).get("/resources.json").body())
                    .getParsed();
            assertThat(find(after, "multiOpens", "serviceId", serviceId)).containsEntry("lastStartupFailure", null)
                    .containsEntry("phase", "OPEN");
        } finally {
            flaky.close();
        }
    }

    Consoles.Health health() {
        try {
            return Consoles.health(context, "cs.resources", TIMEOUT);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void theInventoryPrinterDumpsRunStatesMultiOpensAndPoolsWithHolders() throws Exception {
        RunState rs = runningTask("it-inventory-task");
        LeakDetection.setEnabled(true);
        Pool<Object> pool = pool("it-held");
        Pool.Lease<Object> lease = pool.instance();
        try {
            String text = Consoles.inventory(context, "cs.resources", "TEXT", TIMEOUT);
            assertThat(text).contains("RunStates (", "MultiOpens (", "Pools (", "it-inventory-task",
                    "cs.resources.OpenableMultiOpen", "it-held", "lease of Pool[it-held] by thread \"",
                    "at cs.resources.itest.web.WebConsoleIT.theInventoryPrinterDumps");
            Map<String, Object> parsed = new JSONParser(Consoles.inventory(context, "cs.resources", "JSON", TIMEOUT))
                    .getParsed();
            assertThat(find(parsed, "runStates", "id", rs.id())).containsEntry("state", "RUNNING");
            Map<String, Object> p = find(parsed, "pools", "name", "it-held");
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> holders = (List<Map<String, Object>>) p.get("holders");
            assertThat(holders).singleElement().satisfies(h -> assertThat(h).containsEntry("kind", "lease")
                    .containsKey("stack"));
            assertThat(String.valueOf(holders.get(0).get("opener")))
                    .startsWith("cs.resources.itest.web.WebConsoleIT.theInventoryPrinterDumps");
        } finally {
            lease.close();
        }
    }

    @Test
    void bothConfigurationsHaveAMetatype() throws Exception {
        List<String> ids = Consoles.metatype(context, bundle("cs.resources.webconsole"), "cs.resources.health", TIMEOUT);
        assertThat(ids).contains("cs.resources.webconsole", "cs.resources.health", "cs.resources.health/hc.tags",
                "cs.resources.health/stoppingThresholdSeconds", "cs.resources.health/poolWindowSeconds");
    }

    @Test
    void theSamplerThreadEndsWithTheBundle() throws Exception {
        Bundle webconsole = bundle("cs.resources.webconsole");
        new Http(console, USER, PASSWORD).get("/resources"); // the page is in use: its sampler runs
        await("the sampler runs", () -> sampler() != null);
        Thread thread = sampler();
        webconsole.stop();
        try {
            thread.join(TIMEOUT);
            assertThat(thread.isAlive()).as("the sampler thread after the bundle stopped").isFalse();
            assertThat(sampler()).isNull();
        } finally {
            webconsole.start();
        }
        awaitPage();
    }

    // ---------------------------------------------------------------------------------- helpers

    RunState runningTask(String name) throws InterruptedException {
        CountDownLatch running = new CountDownLatch(1);
        RunState rs = tasks.submit(name, r -> {
            running.countDown();
            while (r.sleep(Duration.ofSeconds(60))) {
                // runs until cancelled
            }
        }).runState();
        started.add(rs);
        assertThat(running.await(TIMEOUT, TimeUnit.MILLISECONDS)).as(name + " started").isTrue();
        return rs;
    }

    Pool<Object> pool(String name) {
        Pool<Object> pool = Pool.builder(Object::new).name(name).build();
        registered.add(context.registerService(Pool.class, pool, null));
        return pool;
    }

    void configure(String pid, String key, Object value) throws Exception {
        Configuration c = configAdmin.getConfiguration(pid, "?");
        Dictionary<String, Object> d = new Hashtable<>();
        d.put(key, value);
        c.update(d);
        configured.add(c);
    }

    Bundle bundle(String bsn) {
        for (Bundle b : context.getBundles()) {
            if (bsn.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError("no bundle " + bsn);
    }

    static Thread sampler() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("cs.resources.webconsole sampler") && t.isAlive()).findFirst().orElse(null);
    }

    static String token(String html) {
        Matcher m = Pattern.compile("data-token=\"([A-Za-z0-9_-]+)\"").matcher(html);
        assertThat(m.find()).as("the page carries a token").isTrue();
        return m.group(1);
    }

    /** The table row of {@code table} that contains {@code marker}. */
    static String row(String html, String table, String marker) {
        int t = html.indexOf("id=\"" + table + "\"");
        assertThat(t).as("table " + table).isGreaterThanOrEqualTo(0);
        String body = html.substring(t, html.indexOf("</table>", t));
        for (String row : body.split("<tr")) {
            if (row.contains(marker)) {
                return row;
            }
        }
        throw new AssertionError("no row with " + marker + " in table " + table + ":\n" + body);
    }

    static Map<String, String> with(Map<String, String> form, String key, String value) {
        Map<String, String> m = new java.util.LinkedHashMap<>(form);
        m.put(key, value);
        return m;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> find(Map<String, Object> json, String list, String key, Object value) {
        for (Object o : (List<Object>) json.get(list)) {
            Map<String, Object> m = (Map<String, Object>) o;
            Object v = m.get(key);
            if (String.valueOf(v).equals(String.valueOf(value))) {
                return m;
            }
        }
        throw new AssertionError("no entry with " + key + "=" + value + " in " + list + ": " + json.get(list));
    }

    @SuppressWarnings("unchecked")
    static List<Long> ids(Map<String, Object> json, String list) {
        return ((List<Object>) json.get(list)).stream().map(o -> ((Number) ((Map<String, Object>) o).get("id")).longValue())
                .toList();
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(50); // polling a state, with a deadline
        }
    }

}
