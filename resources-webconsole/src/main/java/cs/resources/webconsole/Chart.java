package cs.resources.webconsole;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * A pool's in-use and idle counts over the history window, as a small inline SVG drawn on the
 * server: two polylines, no script, nothing fetched.
 */
public final class Chart {
    private Chart() {
    }

    /** Width and height of the drawing, in CSS pixels. */
    static final int WIDTH = 240;
    static final int HEIGHT = 40;

    /**
     * @param samples the pool's samples, oldest first
     * @param now the right edge of the chart
     * @param window how far back the left edge is
     * @return the SVG element
     */
    public static String svg(List<PoolSample> samples, Instant now, Duration window) {
        int max = 1;
        for (PoolSample s : samples) {
            max = Math.max(max, Math.max(s.idle(), s.inUse()));
        }
        StringBuilder b = new StringBuilder(512);
        b.append("<svg class=\"cs-chart\" width=\"").append(WIDTH).append("\" height=\"").append(HEIGHT)
                .append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(HEIGHT)
                .append("\" role=\"img\" aria-label=\"in use and idle over the last ")
                .append(Html.attr(Cells.duration(window))).append(", peak ").append(max).append("\">");
        b.append("<title>in use (solid) and idle (dashed), last ").append(Html.text(Cells.duration(window)))
                .append("; peak ").append(max).append("</title>");
        b.append("<rect x=\"0\" y=\"0\" width=\"").append(WIDTH).append("\" height=\"").append(HEIGHT)
                .append("\" class=\"cs-chart-bg\"/>");
        if (!samples.isEmpty()) {
            b.append("<polyline class=\"cs-idle\" points=\"").append(points(samples, now, window, max, false)).append("\"/>");
            b.append("<polyline class=\"cs-inuse\" points=\"").append(points(samples, now, window, max, true)).append("\"/>");
        }
        return b.append("</svg>").toString();
    }

    private static String points(List<PoolSample> samples, Instant now, Duration window, int max, boolean inUse) {
        StringBuilder b = new StringBuilder(samples.size() * 12);
        double span = Math.max(1, window.toMillis());
        for (PoolSample s : samples) {
            double age = Duration.between(s.time(), now).toMillis();
            double x = Math.max(0, Math.min(WIDTH, WIDTH * (1 - age / span)));
            int v = inUse ? s.inUse() : s.idle();
            double y = (HEIGHT - 2) - (HEIGHT - 4) * (double) v / max;
            if (b.length() > 0) {
                b.append(' ');
            }
            b.append(String.format(Locale.ROOT, "%.1f,%.1f", x, y));
        }
        return b.toString();
    }
}
