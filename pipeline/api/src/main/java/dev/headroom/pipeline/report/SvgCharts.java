package dev.headroom.pipeline.report;

import java.util.List;
import java.util.Locale;

/** Inline SVG figures for the report: an accuracy heatmap and an accuracy-versus-memory plot. */
public final class SvgCharts {

    private SvgCharts() {
    }

    /** Series colours (colour-blind safe, Okabe-Ito). */
    private static final String[] PALETTE = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"};

    public static String color(int i) {
        return PALETTE[i % PALETTE.length];
    }

    /**
     * A needle-in-a-haystack heatmap: rows are depths (0 at the top), columns lengths, cells coloured
     * from red (0) through yellow to green (1) and labelled with the accuracy; missing cells grey.
     *
     * @param values [depth][length] accuracy in [0, 1], NaN where missing
     */
    public static String heatmap(String title, List<Integer> lengths, List<Double> depths, double[][] values) {
        int cell = 46, left = 64, top = 34, bottom = 44;
        int width = left + cell * lengths.size() + 16;
        int height = top + cell * depths.size() + bottom;
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">",
                width, height, width, height));
        b.append(text(left + cell * lengths.size() / 2.0, 16, "middle", 13, "600", title));
        for (int d = 0; d < depths.size(); d++) {
            for (int l = 0; l < lengths.size(); l++) {
                double v = values[d][l];
                double x = left + l * cell, y = top + d * cell;
                b.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%d\" height=\"%d\" fill=\"%s\" stroke=\"#fff\"><title>depth %s, length %d: %s</title></rect>",
                        x, y, cell, cell, Double.isNaN(v) ? "#ddd" : heat(v), fmt(depths.get(d)), lengths.get(l),
                        Double.isNaN(v) ? "no cases" : String.format(Locale.ROOT, "%.3f", v)));
                if (!Double.isNaN(v)) {
                    b.append(text(x + cell / 2.0, y + cell / 2.0 + 4, "middle", 11, "400", String.format(Locale.ROOT, "%.2f", v)));
                }
            }
            b.append(text(left - 6, top + d * cell + cell / 2.0 + 4, "end", 11, "400", fmt(depths.get(d))));
        }
        for (int l = 0; l < lengths.size(); l++) {
            b.append(text(left + l * cell + cell / 2.0, top + depths.size() * cell + 14, "middle", 11, "400", lengths.get(l).toString()));
        }
        b.append(text(left + cell * lengths.size() / 2.0, height - 6, "middle", 11, "400", "length (tokens)"));
        b.append(String.format(Locale.ROOT, "<text x=\"12\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\" transform=\"rotate(-90 12 %.1f)\">depth</text>",
                top + depths.size() * cell / 2.0, top + depths.size() * cell / 2.0));
        return b.append("</svg>").toString();
    }

    /** One series of the accuracy-versus-memory plot. */
    public record Series(String name, double[] x, double[] y, String[] pointLabels) {
    }

    /**
     * Lines and points of accuracy (y, 0..1) against KV-cache bytes (x, log2 scale), one series per
     * method, points labelled (e.g. with the length).
     */
    public static String accuracyVersusBytes(String title, List<Series> series) {
        int width = 640, height = 360, left = 64, right = 170, top = 34, bottom = 48;
        double minX = Double.POSITIVE_INFINITY, maxX = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (double x : s.x()) {
                if (x > 0) {
                    minX = Math.min(minX, x);
                    maxX = Math.max(maxX, x);
                }
            }
        }
        if (!(minX < Double.POSITIVE_INFINITY)) {
            minX = 1;
            maxX = 2;
        }
        double lo = Math.floor(log2(minX)), hi = Math.ceil(log2(maxX));
        if (hi <= lo) {
            hi = lo + 1;
        }
        double plotW = width - left - right, plotH = height - top - bottom;
        final double fLo = lo, fHi = hi;
        java.util.function.DoubleUnaryOperator px = x -> left + (log2(Math.max(x, 1)) - fLo) / (fHi - fLo) * plotW;
        java.util.function.DoubleUnaryOperator py = y -> top + (1 - y) * plotH;

        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">",
                width, height, width, height));
        b.append(text(left + plotW / 2, 16, "middle", 13, "600", title));
        for (int i = 0; i <= 4; i++) {
            double y = i / 4.0;
            b.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>", left, left + plotW, py.applyAsDouble(y), py.applyAsDouble(y)));
            b.append(text(left - 6, py.applyAsDouble(y) + 4, "end", 11, "400", String.format(Locale.ROOT, "%.2f", y)));
        }
        int step = (int) Math.max(1, Math.ceil((hi - lo) / 8));
        for (double e = lo; e <= hi; e += step) {
            double x = px.applyAsDouble(Math.pow(2, e));
            b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>", x, x, top, top + plotH));
            b.append(text(x, top + plotH + 14, "middle", 11, "400", Html.bytes(Math.pow(2, e))));
        }
        b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#999\"/>", left, top, plotW, plotH));
        b.append(text(left + plotW / 2, height - 8, "middle", 11, "400", "KV-cache bytes held (log scale)"));
        b.append(String.format(Locale.ROOT, "<text x=\"14\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\" transform=\"rotate(-90 14 %.1f)\">accuracy</text>",
                top + plotH / 2, top + plotH / 2));
        for (int s = 0; s < series.size(); s++) {
            Series ser = series.get(s);
            String c = color(s);
            StringBuilder pts = new StringBuilder();
            for (int i = 0; i < ser.x().length; i++) {
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", px.applyAsDouble(ser.x()[i]), py.applyAsDouble(ser.y()[i])));
            }
            b.append("<polyline fill=\"none\" stroke=\"").append(c).append("\" stroke-width=\"2\" points=\"").append(pts.toString().trim()).append("\"/>");
            for (int i = 0; i < ser.x().length; i++) {
                double x = px.applyAsDouble(ser.x()[i]), y = py.applyAsDouble(ser.y()[i]);
                b.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"><title>%s %s: accuracy %.3f, %s</title></circle>",
                        x, y, c, Html.escape(ser.name()), Html.escape(ser.pointLabels()[i]), ser.y()[i], Html.bytes(ser.x()[i])));
                // Labels of points at the same x (a fixed window holds the same bytes at every length) stack upwards.
                int sameX = 0;
                for (int j = 0; j < i; j++) {
                    if (Math.abs(px.applyAsDouble(ser.x()[j]) - x) < 1.0) {
                        sameX++;
                    }
                }
                b.append(text(x + 6, y - 6 - 11 * sameX, "start", 10, "400", ser.pointLabels()[i]));
            }
            double ly = top + 10 + s * 18;
            b.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" fill=\"%s\"/>", left + plotW + 14, ly - 10, c));
            b.append(text(left + plotW + 32, ly, "start", 11, "400", ser.name()));
        }
        return b.append("</svg>").toString();
    }

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
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

    private static String text(double x, double y, String anchor, int size, String weight, String s) {
        return String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%d\" font-weight=\"%s\">%s</text>",
                x, y, anchor, size, weight, Html.escape(s));
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? String.format(Locale.ROOT, "%.1f", d) : String.format(Locale.ROOT, "%s", d);
    }
}
