package dev.headroom.pipeline.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleFunction;
import java.util.function.DoubleUnaryOperator;

/**
 * Inline SVG figures for the report: an accuracy heatmap, line/scatter plots with labelled axes and
 * nice ticks ({@link #plot}), and a colour scale ({@link #colorBar}) for the maps the stages draw.
 * The SVGs use no ids (several sit on one page) and no scripts.
 */
public final class SvgCharts {

    private SvgCharts() {}

    /** Series colours (colour-blind safe, Okabe-Ito). */
    private static final String[] PALETTE = {
        "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"
    };

    /** Marker shapes, one per series, so that series of one colour vision still tell apart. */
    private static final String[] MARKERS = {
        "circle", "square", "triangle", "diamond", "triangle-down"
    };

    /** Dash patterns, one per series ("" = solid). */
    private static final String[] DASHES = {"", "", "7 4", "2 3", "9 3 2 3"};

    public static String color(int i) {
        return PALETTE[i % PALETTE.length];
    }

    // ------------------------------------------------------------------ heatmap

    /**
     * A needle-in-a-haystack heatmap: rows are depths (0 at the top), columns lengths, cells
     * coloured from red (0) through yellow to green (1) and labelled with the accuracy; missing
     * cells grey.
     *
     * @param values [depth][length] accuracy in [0, 1], NaN where missing
     */
    public static String heatmap(
            String title, List<Integer> lengths, List<Double> depths, double[][] values) {
        int cell = 46, left = 64, top = 34, bottom = 44;
        int width = left + cell * lengths.size() + 16;
        int height = top + cell * depths.size() + bottom;
        StringBuilder b = new StringBuilder();
        b.append(open(width, height));
        b.append(text(left + cell * lengths.size() / 2.0, 16, "middle", 13, "600", title));
        for (int d = 0; d < depths.size(); d++) {
            for (int l = 0; l < lengths.size(); l++) {
                double v = values[d][l];
                double x = left + l * cell, y = top + d * cell;
                b.append(
                        String.format(
                                Locale.ROOT,
                                "<rect x=\"%.1f\" y=\"%.1f\" width=\"%d\" height=\"%d\" fill=\"%s\" stroke=\"#fff\"><title>depth %s, length %d: %s</title></rect>",
                                x,
                                y,
                                cell,
                                cell,
                                Double.isNaN(v) ? "#ddd" : heat(v),
                                fmt(depths.get(d)),
                                lengths.get(l),
                                Double.isNaN(v)
                                        ? "no cases"
                                        : String.format(Locale.ROOT, "%.3f", v)));
                if (!Double.isNaN(v)) {
                    b.append(
                            text(
                                    x + cell / 2.0,
                                    y + cell / 2.0 + 4,
                                    "middle",
                                    11,
                                    "400",
                                    String.format(Locale.ROOT, "%.2f", v)));
                }
            }
            b.append(
                    text(
                            left - 6,
                            top + d * cell + cell / 2.0 + 4,
                            "end",
                            11,
                            "400",
                            fmt(depths.get(d))));
        }
        for (int l = 0; l < lengths.size(); l++) {
            b.append(
                    text(
                            left + l * cell + cell / 2.0,
                            top + depths.size() * cell + 14,
                            "middle",
                            11,
                            "400",
                            lengths.get(l).toString()));
        }
        b.append(
                text(
                        left + cell * lengths.size() / 2.0,
                        height - 6,
                        "middle",
                        11,
                        "400",
                        "length (tokens)"));
        b.append(
                String.format(
                        Locale.ROOT,
                        "<text x=\"12\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\" transform=\"rotate(-90 12 %.1f)\">depth</text>",
                        top + depths.size() * cell / 2.0,
                        top + depths.size() * cell / 2.0));
        return b.append("</svg>").toString();
    }

    /** Red (0) to yellow (0.5) to green (1). */
    static String heat(double v) {
        v = Math.max(0, Math.min(1, v));
        int r, g;
        if (v < 0.5) {
            r = 215;
            g = (int) Math.round(48 + (v / 0.5) * (190 - 48));
        } else {
            r = (int) Math.round(215 - ((v - 0.5) / 0.5) * (215 - 26));
            g = (int) Math.round(190 - ((v - 0.5) / 0.5) * (190 - 150));
        }
        return String.format(Locale.ROOT, "#%02x%02x%02x", r, g, 60);
    }

    // ------------------------------------------------------------------ colour scale

    private static final int[][] BLUES = {
        {0xde, 0xeb, 0xf7},
        {0x9e, 0xca, 0xe1},
        {0x42, 0x92, 0xc6},
        {0x08, 0x51, 0x9c},
        {0x08, 0x30, 0x6b}
    };

    /**
     * A sequential blue for v in [0, 1]. Its lightest end (v = 0) is a visible light blue, never
     * white or grey, so that a zero reads as a measured zero and not as a missing cell.
     */
    public static String sequential(double v) {
        v = Math.max(0, Math.min(1, Double.isNaN(v) ? 0 : v));
        double p = v * (BLUES.length - 1);
        int i = Math.min(BLUES.length - 2, (int) Math.floor(p));
        double f = p - i;
        int[] a = BLUES[i], c = BLUES[i + 1];
        return String.format(
                Locale.ROOT,
                "#%02x%02x%02x",
                (int) Math.round(a[0] + f * (c[0] - a[0])),
                (int) Math.round(a[1] + f * (c[1] - a[1])),
                (int) Math.round(a[2] + f * (c[2] - a[2])));
    }

    /** Text colour readable on {@link #sequential}(v). */
    public static String onSequential(double v) {
        return v > 0.55 ? "#fff" : "#000";
    }

    /**
     * The swatch a map draws for a cell without data: white with a dashed grey outline (legend and
     * cells alike).
     */
    public static String missingCell(double x, double y, double w, double h) {
        return String.format(
                Locale.ROOT,
                "<rect class=\"missing\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#fff\" stroke=\"#999\" stroke-dasharray=\"3 2\"/>",
                x + 0.5,
                y + 0.5,
                w - 1,
                h - 1);
    }

    /**
     * A horizontal colour scale (an SVG fragment, to put inside a figure): {@code steps} boxes from
     * {@code lo} to {@code hi} coloured by {@code colour}, with tick labels under it and {@code
     * label} above it.
     */
    public static String colorBar(
            double x,
            double y,
            double width,
            double height,
            double lo,
            double hi,
            DoubleFunction<String> colour,
            List<Double> ticks,
            DoubleFunction<String> tickFormat,
            String label) {
        StringBuilder b = new StringBuilder("<g class=\"color-scale\">");
        b.append(text(x, y - 4, "start", 11, "400", label));
        int steps = 40;
        for (int i = 0; i < steps; i++) {
            double v = lo + (hi - lo) * (i + 0.5) / steps;
            b.append(
                    String.format(
                            Locale.ROOT,
                            "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" fill=\"%s\"/>",
                            x + width * i / steps,
                            y,
                            width / steps + 0.3,
                            height,
                            colour.apply(v)));
        }
        b.append(
                String.format(
                        Locale.ROOT,
                        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#777\"/>",
                        x,
                        y,
                        width,
                        height));
        for (double t : ticks) {
            double tx = x + (t - lo) / (hi - lo) * width;
            b.append(
                    String.format(
                            Locale.ROOT,
                            "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>",
                            tx,
                            tx,
                            y + height,
                            y + height + 3));
            b.append(text(tx, y + height + 13, "middle", 10, "400", tickFormat.apply(t)));
        }
        return b.append("</g>").toString();
    }

    // ------------------------------------------------------------------ ticks

    /**
     * Round tick values (1, 2, 2.5 or 5 times a power of ten) covering [lo, hi], about {@code
     * target} of them; the first is at or below lo and the last at or above hi.
     */
    public static List<Double> niceTicks(double lo, double hi, int target) {
        if (!(hi > lo)) {
            double pad = lo == 0 ? 1 : Math.abs(lo) * 0.5;
            lo -= pad;
            hi += pad;
        }
        double step = niceStep((hi - lo) / Math.max(1, target));
        double first = Math.floor(lo / step + 1e-9) * step,
                last = Math.ceil(hi / step - 1e-9) * step;
        List<Double> ticks = new ArrayList<>();
        for (int i = 0; first + i * step <= last + step * 1e-6; i++) {
            double t = first + i * step;
            ticks.add(
                    Math.abs(t) < step * 1e-9
                            ? 0.0
                            : Double.parseDouble(String.format(Locale.ROOT, "%.12g", t)));
        }
        return ticks;
    }

    static double niceStep(double raw) {
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        double m = raw / p;
        double nice = m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10;
        return nice * p;
    }

    /**
     * A tick label with as many decimals as the tick step needs (0.25 -> "0.25", 2 -> "2", 0.5 ->
     * "0.5").
     */
    public static String tickLabel(double v, List<Double> ticks) {
        double step = ticks.size() > 1 ? Math.abs(ticks.get(1) - ticks.get(0)) : Math.abs(v);
        int decimals = 0;
        while (decimals < 8
                && step > 0
                && Math.abs(
                                step * Math.pow(10, decimals)
                                        - Math.rint(step * Math.pow(10, decimals)))
                        > 1e-6) {
            decimals++;
        }
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    // ------------------------------------------------------------------ plots

    /**
     * One series of a plot: points (x, y) with optional per-point labels ("" for none) and
     * emphasised points (drawn larger with a black outline, e.g. the chosen plan). NaN coordinates
     * are skipped.
     */
    public record Series(
            String name, double[] x, double[] y, String[] pointLabels, boolean[] emphasized) {
        public Series(String name, double[] x, double[] y, String[] pointLabels) {
            this(name, x, y, pointLabels, new boolean[x.length]);
        }
    }

    /**
     * An axis: a label (with its unit), the domain, the ticks and their format.
     *
     * @param log2 whether the axis is drawn on a log2 scale (positive values only)
     */
    public record Axis(
            String label,
            double min,
            double max,
            boolean log2,
            List<Double> ticks,
            DoubleFunction<String> format) {

        /** A linear axis over nice round ticks that cover [lo, hi]. */
        public static Axis linear(String label, double lo, double hi) {
            List<Double> t = niceTicks(lo, hi, 5);
            return new Axis(label, t.get(0), t.get(t.size() - 1), false, t, v -> tickLabel(v, t));
        }

        /** A linear axis with fixed bounds and ticks, e.g. accuracy 0..1 by 0.25. */
        public static Axis fixed(String label, double lo, double hi, List<Double> ticks) {
            return new Axis(label, lo, hi, false, ticks, v -> tickLabel(v, ticks));
        }

        /**
         * A log2 axis with ticks at the powers of two around [lo, hi] (at most about 8 labelled).
         */
        public static Axis log2(String label, double lo, double hi, DoubleFunction<String> format) {
            if (!(lo > 0)) {
                lo = 1;
            }
            if (!(hi > lo)) {
                hi = lo * 2;
            }
            double a = Math.floor(log2of(lo)), c = Math.ceil(log2of(hi));
            if (c <= a) {
                c = a + 1;
            }
            int step = (int) Math.max(1, Math.ceil((c - a) / 8));
            List<Double> t = new ArrayList<>();
            for (double e = a; e <= c; e += step) {
                t.add(Math.pow(2, e));
            }
            return new Axis(label, Math.pow(2, a), Math.pow(2, c), true, t, format);
        }
    }

    private record Box(double x0, double y0, double x1, double y1) {
        boolean overlaps(Box o) {
            return x0 < o.x1 && o.x0 < x1 && y0 < o.y1 && o.y0 < y1;
        }
    }

    /**
     * A plot of {@code series} on the two axes: a title above the frame (clear of the points),
     * ticks with grid lines, both axis labels, one colour, marker shape and dash pattern per
     * series, a legend on the right, and point labels placed where they overlap nothing (a label
     * equal to one already placed next to the point is shared, not repeated). Later series are
     * drawn thinner on top of earlier ones, so that a line that coincides with another still shows.
     *
     * @param lines whether to join each series' points (in the given order)
     */
    public static String plot(
            String title, Axis xAxis, Axis yAxis, List<Series> series, boolean lines) {
        // padTop leaves room for a label above a point at the top of the y range, inside the frame
        // (the title sits above it).
        int width = 660,
                height = 380,
                left = 70,
                right = 190,
                top = 44,
                bottom = 52,
                pad = 10,
                padTop = 20;
        double plotW = width - left - right, plotH = height - top - bottom;
        DoubleUnaryOperator px = v -> left + pad + frac(xAxis, v) * (plotW - 2 * pad);
        DoubleUnaryOperator py = v -> top + padTop + (1 - frac(yAxis, v)) * (plotH - padTop - pad);

        StringBuilder b = new StringBuilder(open(width, height));
        b.append(text(left, 18, "start", 13, "600", title));
        for (double t : yAxis.ticks()) {
            double y = py.applyAsDouble(t);
            b.append(
                    String.format(
                            Locale.ROOT,
                            "<line x1=\"%d\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>",
                            left,
                            left + plotW,
                            y,
                            y));
            b.append(text(left - 6, y + 4, "end", 11, "400", yAxis.format().apply(t)));
        }
        for (double t : xAxis.ticks()) {
            double x = px.applyAsDouble(t);
            b.append(
                    String.format(
                            Locale.ROOT,
                            "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>",
                            x,
                            x,
                            top,
                            top + plotH));
            b.append(text(x, top + plotH + 15, "middle", 11, "400", xAxis.format().apply(t)));
        }
        b.append(
                String.format(
                        Locale.ROOT,
                        "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#999\"/>",
                        left,
                        top,
                        plotW,
                        plotH));
        b.append("<text class=\"x-label\"")
                .append(
                        String.format(
                                Locale.ROOT,
                                " x=\"%.1f\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\">",
                                left + plotW / 2,
                                height - 10))
                .append(Html.escape(xAxis.label()))
                .append("</text>");
        b.append("<text class=\"y-label\"")
                .append(
                        String.format(
                                Locale.ROOT,
                                " x=\"16\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 16 %.1f)\">",
                                top + plotH / 2,
                                top + plotH / 2))
                .append(Html.escape(yAxis.label()))
                .append("</text>");

        int n = series.size();
        List<Box> taken = new ArrayList<>();
        StringBuilder marks = new StringBuilder(),
                labels = new StringBuilder(),
                legend = new StringBuilder("<g class=\"legend\">");
        for (int s = 0; s < n; s++) {
            Series ser = series.get(s);
            String c = color(s),
                    shape = MARKERS[s % MARKERS.length],
                    dash = DASHES[s % DASHES.length];
            double lineW = Math.max(1.5, 4.0 - 0.8 * s), r = Math.max(3.5, 6.0 - 0.6 * s);
            if (lines) {
                StringBuilder pts = new StringBuilder();
                double lastX = Double.NaN, lastY = Double.NaN;
                for (int i = 0; i < ser.x().length; i++) {
                    if (finite(xAxis, ser.x()[i]) && !Double.isNaN(ser.y()[i])) {
                        double x = px.applyAsDouble(ser.x()[i]), y = py.applyAsDouble(ser.y()[i]);
                        pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
                        if (!Double.isNaN(lastX)) {
                            // the segment is an obstacle for the point labels: small boxes along it
                            int steps = (int) Math.ceil(Math.hypot(x - lastX, y - lastY) / 3);
                            for (int k = 0; k <= steps; k++) {
                                double sx = lastX + (x - lastX) * k / Math.max(1, steps),
                                        sy = lastY + (y - lastY) * k / Math.max(1, steps);
                                taken.add(
                                        new Box(
                                                sx - lineW / 2,
                                                sy - lineW / 2,
                                                sx + lineW / 2,
                                                sy + lineW / 2));
                            }
                        }
                        lastX = x;
                        lastY = y;
                    }
                }
                b.append(
                        String.format(
                                Locale.ROOT,
                                "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\"%s stroke-linejoin=\"round\" points=\"%s\"/>",
                                c,
                                lineW,
                                dash.isEmpty() ? "" : " stroke-dasharray=\"" + dash + "\"",
                                pts.toString().trim()));
            }
            for (int i = 0; i < ser.x().length; i++) {
                if (!finite(xAxis, ser.x()[i]) || Double.isNaN(ser.y()[i])) {
                    continue;
                }
                double x = px.applyAsDouble(ser.x()[i]), y = py.applyAsDouble(ser.y()[i]);
                boolean em = ser.emphasized()[i];
                String label = ser.pointLabels()[i] == null ? "" : ser.pointLabels()[i];
                String tip =
                        Html.escape(ser.name())
                                + (label.isEmpty() ? "" : " " + Html.escape(label))
                                + ": "
                                + Html.escape(xAxis.label())
                                + " "
                                + Html.escape(valueText(xAxis, ser.x()[i]))
                                + ", "
                                + Html.escape(yAxis.label())
                                + " "
                                + Html.number(ser.y()[i]);
                double rr = em ? r + 2.5 : r;
                marks.append(marker(shape, x, y, rr, c, em ? "#000" : "#fff", em ? 2 : 1, tip));
                taken.add(new Box(x - rr - 1, y - rr - 1, x + rr + 1, y + rr + 1));
            }
            double ly = top + 12 + s * 20;
            legend.append(
                    String.format(
                            Locale.ROOT,
                            "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"%.1f\"%s/>",
                            left + plotW + 12,
                            left + plotW + 40,
                            ly - 4,
                            ly - 4,
                            c,
                            lines ? lineW : 0,
                            dash.isEmpty() ? "" : " stroke-dasharray=\"" + dash + "\""));
            legend.append(
                    marker(
                            shape,
                            left + plotW + 26,
                            ly - 4,
                            4.5,
                            c,
                            "#fff",
                            1,
                            Html.escape(ser.name())));
            legend.append(text(left + plotW + 46, ly, "start", 11, "400", ser.name()));
        }
        // Labels after all markers are known, so that no label covers a marker.
        record Placed(String text, double px, double py) {}
        List<Placed> placed = new ArrayList<>();
        for (Series ser : series) {
            for (int i = 0; i < ser.x().length; i++) {
                String label = ser.pointLabels()[i] == null ? "" : ser.pointLabels()[i];
                if (label.isEmpty() || !finite(xAxis, ser.x()[i]) || Double.isNaN(ser.y()[i])) {
                    continue;
                }
                double x = px.applyAsDouble(ser.x()[i]), y = py.applyAsDouble(ser.y()[i]);
                if (placed.stream()
                        .anyMatch(
                                p ->
                                        p.text().equals(label)
                                                && Math.hypot(p.px() - x, p.py() - y) < 10)) {
                    continue; // the same label on (almost) the same spot: one label serves both
                    // points
                }
                double w = label.length() * 5.8 + 2, h = 11;
                // right, above, below, left, then the four diagonals
                double[][] candidates = {
                    {x + 10, y + 4},
                    {x - w / 2, y - 10},
                    {x - w / 2, y + 19},
                    {x - 10 - w, y + 4},
                    {x + 8, y - 9},
                    {x + 8, y + 17},
                    {x - 8 - w, y - 9},
                    {x - 8 - w, y + 17}
                };
                for (double[] cand : candidates) {
                    Box box = new Box(cand[0], cand[1] - h + 2, cand[0] + w, cand[1] + 2);
                    boolean inside =
                            box.x0() >= left + 1
                                    && box.x1() <= left + plotW - 1
                                    && box.y0() >= top + 1
                                    && box.y1() <= top + plotH - 1;
                    if (inside && taken.stream().noneMatch(box::overlaps)) {
                        taken.add(box);
                        placed.add(new Placed(label, x, y));
                        labels.append(
                                String.format(
                                        Locale.ROOT,
                                        "<text class=\"point-label\" x=\"%.1f\" y=\"%.1f\" font-size=\"10\" fill=\"#333\">%s</text>",
                                        cand[0],
                                        cand[1],
                                        Html.escape(label)));
                        break;
                    }
                }
            }
        }
        return b.append(marks).append(labels).append(legend).append("</g></svg>").toString();
    }

    /**
     * Accuracy (y, 0..1) against KV-cache bytes (x, log2 scale), one series per method, points
     * labelled (e.g. with the length).
     */
    public static String accuracyVersusBytes(String title, List<Series> series) {
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (double x : s.x()) {
                if (x > 0) {
                    lo = Math.min(lo, x);
                    hi = Math.max(hi, x);
                }
            }
        }
        Axis x = Axis.log2("KV-cache bytes held (log scale)", lo, hi, Html::bytes);
        Axis y = Axis.fixed("accuracy (mean score)", 0, 1, List.of(0.0, 0.25, 0.5, 0.75, 1.0));
        return plot(title, x, y, series, true);
    }

    // ------------------------------------------------------------------ helpers

    private static double frac(Axis a, double v) {
        if (a.log2()) {
            return (log2of(Math.max(v, Double.MIN_NORMAL)) - log2of(a.min()))
                    / (log2of(a.max()) - log2of(a.min()));
        }
        return (v - a.min()) / (a.max() - a.min());
    }

    private static boolean finite(Axis a, double v) {
        return !Double.isNaN(v) && !Double.isInfinite(v) && (!a.log2() || v > 0);
    }

    private static String valueText(Axis a, double v) {
        return a.log2() ? a.format().apply(v) : Html.number(v);
    }

    private static String marker(
            String shape,
            double x,
            double y,
            double r,
            String fill,
            String stroke,
            double strokeW,
            String tip) {
        String style =
                String.format(
                        Locale.ROOT,
                        " fill=\"%s\" stroke=\"%s\" stroke-width=\"%.1f\"",
                        fill,
                        stroke,
                        strokeW);
        String t = "<title>" + tip + "</title>";
        return switch (shape) {
            case "square" ->
                    String.format(
                            Locale.ROOT,
                            "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"%s>%s</rect>",
                            x - r * 0.9,
                            y - r * 0.9,
                            r * 1.8,
                            r * 1.8,
                            style,
                            t);
            case "triangle" ->
                    String.format(
                            Locale.ROOT,
                            "<polygon points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f\"%s>%s</polygon>",
                            x,
                            y - r * 1.15,
                            x - r,
                            y + r * 0.75,
                            x + r,
                            y + r * 0.75,
                            style,
                            t);
            case "triangle-down" ->
                    String.format(
                            Locale.ROOT,
                            "<polygon points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f\"%s>%s</polygon>",
                            x,
                            y + r * 1.15,
                            x - r,
                            y - r * 0.75,
                            x + r,
                            y - r * 0.75,
                            style,
                            t);
            case "diamond" ->
                    String.format(
                            Locale.ROOT,
                            "<polygon points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f\"%s>%s</polygon>",
                            x,
                            y - r * 1.2,
                            x + r * 1.2,
                            y,
                            x,
                            y + r * 1.2,
                            x - r * 1.2,
                            y,
                            style,
                            t);
            default ->
                    String.format(
                            Locale.ROOT,
                            "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\"%s>%s</circle>",
                            x,
                            y,
                            r,
                            style,
                            t);
        };
    }

    private static double log2of(double x) {
        return Math.log(x) / Math.log(2);
    }

    private static String open(int width, int height) {
        return String.format(
                Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">",
                width,
                height,
                width,
                height);
    }

    /** An SVG text element (escaped). */
    public static String text(
            double x, double y, String anchor, int size, String weight, String s) {
        return String.format(
                Locale.ROOT,
                "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%d\" font-weight=\"%s\">%s</text>",
                x,
                y,
                anchor,
                size,
                weight,
                Html.escape(s));
    }

    private static String fmt(double d) {
        return d == Math.rint(d)
                ? String.format(Locale.ROOT, "%.1f", d)
                : String.format(Locale.ROOT, "%s", d);
    }
}
