package cs.resources.webconsole;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Locale;

/**
 * A pool's in-use and idle counts over the history window, as an inline SVG drawn on the server
 * (no script, nothing fetched): a plot of {@value #WIDTH}×{@value #HEIGHT} CSS pixels with a
 * count axis (0, the middle, the peak, with grid lines), a time axis (the window's start, middle
 * and end on the 24-hour clock, as the tables show times) and a legend (in use: solid; idle:
 * dashed).
 */
public final class Chart {
    private Chart() {
    }

    /** Width and height of the drawing, in CSS pixels. */
    static final int WIDTH = 420;
    static final int HEIGHT = 150;
    /** The plot's margins: counts at the left, the legend above, times below. */
    private static final int LEFT = 34;
    private static final int RIGHT = 12;
    private static final int TOP = 24;
    private static final int BOTTOM = 22;

    /**
     * @param samples the pool's samples, oldest first
     * @param now the right edge of the chart
     * @param window how far back the left edge is
     * @return the SVG element
     */
    public static String svg(List<PoolSample> samples, Instant now, Duration window) {
        return svg(samples, now, window, ZoneId.systemDefault());
    }

    static String svg(List<PoolSample> samples, Instant now, Duration window, ZoneId zone) {
        int max = 1;
        for (PoolSample s : samples) {
            max = Math.max(max, Math.max(s.idle(), s.inUse()));
        }
        int plotW = WIDTH - LEFT - RIGHT;
        int plotH = HEIGHT - TOP - BOTTOM;
        Instant start = now.minus(window);
        StringBuilder b = new StringBuilder(2048);
        b.append("<svg class=\"cs-chart\" width=\"").append(WIDTH).append("\" height=\"").append(HEIGHT)
                .append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(HEIGHT)
                .append("\" role=\"img\" aria-label=\"in use and idle from ").append(Cells.clock(start, zone))
                .append(" to ").append(Cells.clock(now, zone)).append(", peak ").append(max).append("\">");
        b.append("<title>in use (solid) and idle (dashed), ").append(Cells.clock(start, zone)).append(" to ")
                .append(Cells.clock(now, zone)).append(" (").append(Html.text(Cells.duration(window)))
                .append("); peak ").append(max).append("</title>");
        b.append(rect(LEFT, TOP, plotW, plotH, "cs-chart-bg"));

        // The count axis: 0, the middle and the peak, with grid lines.
        int[] ticks = max == 1 ? new int[] {0, 1} : new int[] {0, (max + 1) / 2, max};
        b.append("<g class=\"cs-axis cs-axis-y\">");
        for (int t : ticks) {
            double y = y(t, max, plotH);
            b.append(line(LEFT, y, LEFT + plotW, y, t == 0 ? "cs-axis-line" : "cs-grid"));
            b.append(text(LEFT - 4, y + 4, "end", Integer.toString(t)));
        }
        b.append(line(LEFT, TOP, LEFT, TOP + plotH, "cs-axis-line")).append("</g>");

        // The time axis: start, middle, end of the window.
        b.append("<g class=\"cs-axis cs-axis-x\">");
        Instant middle = start.plus(window.dividedBy(2));
        b.append(text(LEFT, HEIGHT - 6, "start", Cells.clock(start, zone)));
        b.append(text(LEFT + plotW / 2.0, HEIGHT - 6, "middle", Cells.clock(middle, zone)));
        b.append(text(LEFT + plotW, HEIGHT - 6, "end", Cells.clock(now, zone)));
        for (double x : new double[] {LEFT, LEFT + plotW / 2.0, LEFT + plotW}) {
            b.append(line(x, TOP + plotH, x, TOP + plotH + 4, "cs-axis-line"));
        }
        b.append("</g>");

        // The legend, above the plot.
        b.append("<g class=\"cs-legend\">");
        b.append(line(LEFT, 10, LEFT + 18, 10, "cs-inuse")).append(text(LEFT + 22, 14, "start", "in use"));
        b.append(line(LEFT + 80, 10, LEFT + 98, 10, "cs-idle")).append(text(LEFT + 102, 14, "start", "idle"));
        b.append("</g>");

        if (!samples.isEmpty()) {
            b.append("<polyline class=\"cs-idle\" points=\"").append(points(samples, now, window, max, false))
                    .append("\"/>");
            b.append("<polyline class=\"cs-inuse\" points=\"").append(points(samples, now, window, max, true))
                    .append("\"/>");
        }
        return b.append("</svg>").toString();
    }

    private static double y(int value, int max, int plotH) {
        return TOP + plotH - (double) plotH * value / max;
    }

    private static String points(List<PoolSample> samples, Instant now, Duration window, int max, boolean inUse) {
        int plotW = WIDTH - LEFT - RIGHT;
        int plotH = HEIGHT - TOP - BOTTOM;
        StringBuilder b = new StringBuilder(samples.size() * 12);
        double span = Math.max(1, window.toMillis());
        for (PoolSample s : samples) {
            double age = Duration.between(s.time(), now).toMillis();
            double x = LEFT + Math.max(0, Math.min(plotW, plotW * (1 - age / span)));
            double y = y(inUse ? s.inUse() : s.idle(), max, plotH);
            if (b.length() > 0) {
                b.append(' ');
            }
            b.append(String.format(Locale.ROOT, "%.1f,%.1f", x, y));
        }
        return b.toString();
    }

    private static String rect(double x, double y, double w, double h, String cls) {
        return String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" class=\"%s\"/>",
                x, y, w, h, cls);
    }

    private static String line(double x1, double y1, double x2, double y2, String cls) {
        return String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"%s\"/>",
                x1, y1, x2, y2, cls);
    }

    /** Text of our own (numbers, clock times): nothing to escape. */
    private static String text(double x, double y, String anchor, String text) {
        return String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">%s</text>", x, y, anchor,
                text);
    }
}
