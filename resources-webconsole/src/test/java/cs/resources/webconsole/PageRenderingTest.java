package cs.resources.webconsole;

import static org.assertj.core.api.Assertions.assertThat;

import cs.resources.RunState;
import cs.resources.runtime.MultiOpenInfo;
import cs.resources.runtime.PoolInfo;
import cs.resources.runtime.RunStateInfo;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The tables as the page renders them, without a servlet container (the itests render them in
 * the Web Console): hostile names are text, actions appear only for who may act.
 */
class PageRenderingTest {

    static final String HOSTILE = "<script>alert('x')</script> ${appRoot} \"q\" &amp;";
    final Instant now = Instant.parse("2026-11-26T13:00:00Z");

    String render(boolean mayAct) {
        Snapshot s = new Snapshot(now,
                List.of(Records.runState(1, HOSTILE, RunState.State.RUNNING, now.minusSeconds(5)),
                        Records.runState(2, "done", RunState.State.CANCELLED, now.minusSeconds(50))),
                List.of(Records.multiOpen(30, "com.acme.<Db>"),
                        Records.multiOpen(31, "com.acme.Db", MultiOpenInfo.Phase.CLOSED, false, true,
                                "java.net.ConnectException: <refused>")),
                List.of(Records.pool(40, "digests", 2)),
                Map.of(40L, List.of(new PoolSample(now.minusSeconds(10), 1, 0, -1, -1, -1),
                        new PoolSample(now, 1, 2, -1, -1, -1))));
        StringWriter out = new StringWriter();
        PrintWriter w = new PrintWriter(out);
        ResourcesPage.sections(s, mayAct, "tok-en", "/system/console/resources", Duration.ofMinutes(10), w);
        w.flush();
        return out.toString();
    }

    @Test
    void hostileNamesAreEscapedAndSurviveTheConsolesTemplateFilter() {
        String html = render(true);
        assertThat(html).doesNotContain("<script>", "${", "<Db>");
        assertThat(html).contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &#36;{appRoot} &#34;q&#34; &amp;amp;");
        assertThat(html).contains("com.acme.&lt;Db&gt;");
    }

    @Test
    void liveRunStatesGetCancelAndPauseFormsWithTheTokenOnlyForWhoMayAct() {
        String html = render(true);
        // RunState 1 runs: pause and cancel; 2 ended: nothing.
        assertThat(html).containsOnlyOnce("value=\"pause\"").containsOnlyOnce("value=\"cancel\"")
                .doesNotContain("value=\"resume\"");
        assertThat(html).contains("name=\"id\" value=\"1\"", "name=\"token\" value=\"tok-en\"");
        assertThat(html).doesNotContain("name=\"id\" value=\"2\"");
        assertThat(render(false)).doesNotContain("cs-action", "tok-en");
    }

    @Test
    void progressBarsTimeLeftTheTreeAndAPausedOnesResume() {
        RunStateInfo child = Records.runState(11, "copy <b>", RunState.State.PAUSED, now, 3, 4, "file 3", null, 10,
                List.of());
        RunStateInfo parent = Records.runState(10, "batch", RunState.State.RUNNING, now, 42, 100, "copying & checking",
                Duration.ofSeconds(125), 0, List.of(child));
        RunStateInfo unknownTotal = Records.runState(12, "scan", RunState.State.RUNNING, now, 17, 0, "", null, 0,
                List.of());
        Snapshot s = new Snapshot(now, RunStateTree.flatten(List.of(unknownTotal, parent)), List.of(), List.of(), Map.of());
        assertThat(s.runStates()).extracting(RunStateInfo::id).containsExactly(10L, 11L, 12L);
        StringWriter out = new StringWriter();
        PrintWriter w = new PrintWriter(out);
        ResourcesPage.sections(s, true, "tok", "/r", Duration.ofMinutes(10), w);
        w.flush();
        String html = out.toString();
        assertThat(html).contains("<progress max=\"100\" value=\"42\" title=\"42 of 100\"></progress> 42% copying &amp; checking",
                "<td class=\"cs-etaMillis cs-num\">2m 05s</td>",
                "<td class=\"cs-percentDone cs-num\">17 done</td>");
        // The child under its parent, indented, with its parent's id; paused: resume and cancel.
        assertThat(html).containsPattern("data-id=\"11\"[^>]*data-parent-id=\"10\"")
                .contains("<span class=\"cs-child\" style=\"padding-left:1.5em\">\u21b3 </span>copy &lt;b&gt;",
                        "<td class=\"cs-parentId cs-num\">10</td>");
        String childRow = html.substring(html.indexOf("data-id=\"11\""), html.indexOf("data-id=\"12\""));
        assertThat(childRow).contains("value=\"resume\"", "value=\"cancel\"").doesNotContain("value=\"pause\"");
        assertThat(Json.write(s.toJson(false).get("runStates"))).contains("\"id\":11,", "\"done\":3,\"total\":4,"
                + "\"message\":\"file 3\",\"percentDone\":75,\"etaMillis\":null,\"parentId\":10,\"failure\":null",
                "\"etaMillis\":125000,");
        assertThat(ResourcesPage.plainText(s)).contains("PROGRESS", "TIME LEFT", "PARENT", "75% file 3", "2m 05s");
    }

    @Test
    void eachPoolHasAChartOfItsSamples() {
        String html = render(false);
        assertThat(html).contains("<svg class=\"cs-chart\"", "class=\"cs-inuse\" points=\"");
        assertThat(html).contains("<td class=\"cs-inUse cs-num\">2</td>");
    }

    /** Not a 240×40 sparkline: axes with counts and clock times, a legend, a size one can read. */
    @Test
    void aChartHasAxesALegendAndASizeThatCanBeRead() {
        List<PoolSample> samples = List.of(new PoolSample(now.minusSeconds(300), 1, 0, -1, -1, -1),
                new PoolSample(now.minusSeconds(10), 1, 2, -1, -1, -1), new PoolSample(now, 0, 2, -1, -1, -1));
        String svg = Chart.svg(samples, now, Duration.ofMinutes(10), java.time.ZoneOffset.UTC);
        assertThat(svg).contains("width=\"420\" height=\"150\"", "<g class=\"cs-axis cs-axis-y\">",
                "<g class=\"cs-axis cs-axis-x\">", "<g class=\"cs-legend\">");
        // Counts 0, 1 (the middle), 2 (the peak); times on the 24-hour clock: start, middle, now.
        assertThat(svg).contains(">0</text>", ">1</text>", ">2</text>", ">12:50:00</text>", ">12:55:00</text>",
                ">13:00:00</text>", ">in use</text>", ">idle</text>");
        assertThat(svg).contains("<title>in use (solid) and idle (dashed), 12:50:00 to 13:00:00 (10m); peak 2</title>");
        // The last in-use point at the right edge of the plot, at the top (the peak).
        assertThat(svg).containsPattern("class=\"cs-inuse\" points=\"[^\"]* 408\\.0,24\\.0\"");
    }

    @Test
    void multiOpensShowTheirInterfacesTheirConsumersTheirFlagsAndTheLastFailure() {
        String html = render(false);
        assertThat(html).contains("<th>Interfaces</th>", "<th>Opens by bundle</th>", "<th>Last startup failure</th>");
        assertThat(html).contains("<td class=\"cs-interfaces\">com.acme.Db, cs.resources.MultiOpen</td>",
                "<td class=\"cs-consumers\">com.acme.app [12]: 2, com.acme.&lt;web&gt; [14]: 1</td>",
                "<td class=\"cs-phase\">CLOSED, retired, unregistered</td>",
                "<td class=\"cs-lastStartupFailure\">java.net.ConnectException: &lt;refused&gt;</td>",
                "<td class=\"cs-phase\">OPEN</td>");
        // The flags are JSON fields, not columns of their own.
        assertThat(html).doesNotContain("cs-registered", "cs-retired");
    }

    @Test
    void theJsonAndTheTextDumpHaveTheSameFields() {
        Snapshot s = new Snapshot(now, List.of(), List.of(Records.multiOpen(31, "com.acme.Db",
                MultiOpenInfo.Phase.OPEN, false, true, null)), List.of(), Map.of());
        assertThat(Json.write(s.toJson(false).get("multiOpens"))).isEqualTo("[{\"serviceId\":31,"
                + "\"className\":\"com.acme.Db\",\"interfaces\":[\"com.acme.Db\",\"cs.resources.MultiOpen\"],"
                + "\"bundleId\":8,\"bundle\":\"com.acme.db\",\"openCount\":3,\"consumers\":["
                + "{\"bundleId\":12,\"bundle\":\"com.acme.app\",\"opens\":2},"
                + "{\"bundleId\":14,\"bundle\":\"com.acme.\\u003cweb\\u003e\",\"opens\":1}],"
                + "\"phase\":\"OPEN\",\"registered\":false,\"retired\":true,\"lastStartupFailure\":null}]");
        assertThat(ResourcesPage.plainText(s)).contains("OPENS BY BUNDLE", "com.acme.app [12]: 2, com.acme.<web> [14]: 1",
                "OPEN, retired, unregistered");
    }

    @Test
    void poolsShowTheirCapAndWhatWaitedAtIt() {
        PoolInfo capped = Records.cappedPool(41, "conns", 2);
        Snapshot s = new Snapshot(now, List.of(), List.of(), List.of(capped, Records.pool(40, "digests", 0)), Map.of());
        StringWriter out = new StringWriter();
        PrintWriter w = new PrintWriter(out);
        ResourcesPage.sections(s, false, null, "/r", Duration.ofMinutes(10), w);
        w.flush();
        String html = out.toString();
        assertThat(html).contains("<th>Cap</th>", "<th>Waiting</th>", "<th>Waits</th>", "<th>Timeouts</th>",
                "<th>Longest wait</th>", "<th>Expired</th>");
        assertThat(html).contains("<td class=\"cs-maxTotal cs-num\">2</td>", "<td class=\"cs-maxTotal cs-num\">none</td>",
                "<td class=\"cs-timeouts cs-num\">" + capped.stats().timeouts() + "</td>",
                "<td class=\"cs-inUse cs-num\">2</td>");
        assertThat(capped.stats().timeouts()).isEqualTo(1);
        String json = Json.write(s.toJson(false).get("pools"));
        assertThat(json).contains("\"maxTotal\":2,", "\"timeouts\":1,", "\"waiting\":0,", "\"longestWaitMillis\":",
                "\"meanWaitMillis\":", "\"expired\":0,");
        PoolSample sample = Tables.sample(capped, now);
        assertThat(sample.timeouts()).isEqualTo(1);
        assertThat(sample.waits()).isEqualTo(capped.stats().waits());
        assertThat(sample.waiting()).isZero();
    }

    @Test
    void poolsGetResizeAndEvictFormsByServiceIdOnlyForWhoMayActAndNoneWhenClosed() {
        PoolInfo open = Records.cappedPool(41, "conns <db>", 2);
        PoolInfo c = Records.pool(42, "gone", 0);
        PoolInfo closed = new PoolInfo(c.serviceId(), c.name(), c.bundleId(), c.bundle(), c.maxSize(), c.maxTotal(), true,
                c.stats());
        Snapshot s = new Snapshot(now, List.of(), List.of(), List.of(open, closed), Map.of());
        StringWriter out = new StringWriter();
        PrintWriter w = new PrintWriter(out);
        ResourcesPage.sections(s, true, "tok-en", "/r", Duration.ofMinutes(10), w);
        w.flush();
        String row = out.toString().split("data-service-id=\"41\"")[1].split("</tr>")[0];
        assertThat(row).contains("name=\"action\" value=\"resize\"", "name=\"action\" value=\"evict\"",
                "name=\"id\" value=\"41\"", "name=\"token\" value=\"tok-en\"", "name=\"maxTotal\"",
                "name=\"maxSize\"", "placeholder=\"2\"", "aria-label=\"resize pool conns &lt;db>\"",
                ">Evict all</button>");
        assertThat(out.toString().split("data-service-id=\"42\"")[1].split("</tr>")[0]).doesNotContain("<form");
        StringWriter viewer = new StringWriter();
        PrintWriter v = new PrintWriter(viewer);
        ResourcesPage.sections(s, false, null, "/r", Duration.ofMinutes(10), v);
        v.flush();
        assertThat(viewer.toString()).doesNotContain("<form", "value=\"resize\"", "value=\"evict\"");
    }

    @Test
    void aCountIsAsciiDigitsWithinAnInt() {
        assertThat(ResourcesPage.count("0")).isZero();
        assertThat(ResourcesPage.count("2147483647")).isEqualTo(Integer.MAX_VALUE);
        assertThat(ResourcesPage.count(null)).isEqualTo(ResourcesPage.NONE);
        assertThat(ResourcesPage.count("")).isEqualTo(ResourcesPage.NONE);
        for (String bad : List.of("-1", "+3", " 3", "3 ", "2147483648", "99999999999", "\u0664\u0662", "1e3", "0x10", "3.0")) {
            assertThat(ResourcesPage.count(bad)).as(bad).isEqualTo(ResourcesPage.BAD);
        }
    }

    @Test
    void durationsHaveOneStyleAndTimesTheTwentyFourHourClock() {
        // One style (the issue saw "57.503s" beside "1m 37s"): the two largest units.
        assertThat(Cells.duration(Duration.ofMillis(57_503))).isEqualTo("57s 503ms");
        assertThat(Cells.duration(Duration.ofSeconds(97))).isEqualTo("1m 37s");
        assertThat(Cells.duration(Duration.ofMillis(3155))).isEqualTo("3s 155ms");
        assertThat(Cells.duration(Duration.ofSeconds(125))).isEqualTo("2m 05s");
        assertThat(Cells.duration(Duration.ofMinutes(182))).isEqualTo("3h 02m");
        assertThat(Cells.duration(Duration.ofHours(99))).isEqualTo("4d 03h");
        assertThat(Cells.duration(Duration.ofMinutes(10))).isEqualTo("10m");
        assertThat(Cells.duration(Duration.ofMillis(250))).isEqualTo("250ms");
        assertThat(Cells.duration(Duration.ofNanos(30_000))).isEqualTo("30\u00b5s");
        assertThat(Cells.duration(Duration.ZERO)).isEqualTo("0s");
        assertThat(Cells.duration(Duration.ofSeconds(-61))).isEqualTo("-1m 01s");
        // The 24-hour clock, whatever the locale.
        assertThat(Cells.clock(Instant.parse("2026-11-26T13:05:09Z"), java.time.ZoneOffset.UTC)).isEqualTo("13:05:09");
        assertThat(Cells.text(Instant.parse("2026-11-26T23:05:09Z"))).matches("2026-11-2[67] \\d\\d:05:09");
    }
}
