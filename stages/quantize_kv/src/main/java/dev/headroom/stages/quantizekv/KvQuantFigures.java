package dev.headroom.stages.quantizekv;

import dev.headroom.attention.plan.KvScheme;
import dev.headroom.pipeline.report.Html;
import dev.headroom.pipeline.report.SvgCharts;
import dev.headroom.stages.shared.KvQuantRow;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/** The quantize_kv section of report.html and its console summary. */
final class KvQuantFigures {
    private KvQuantFigures() {}

    /** Columns: wider keys first, then wider values, smaller groups, longer residuals. */
    private static final java.util.Comparator<KvScheme> COLUMNS =
            java.util.Comparator.comparingInt(KvScheme::keyBits)
                    .thenComparingInt(KvScheme::valueBits)
                    .reversed()
                    .thenComparingInt(KvScheme::group)
                    .thenComparing(
                            java.util.Comparator.comparingInt(KvScheme::residual).reversed());

    /**
     * A heat map per measure: a row per (layer, KV head), a column per scheme, the cell shaded by
     * the value over the largest in the map (scale beside it) and labelled with the value.
     */
    static String maps(List<KvQuantRow> rows, int[][] applied) {
        StringBuilder b = new StringBuilder();
        b.append(
                "<p>Each KV head quantized alone in the column's scheme (KIVI: b = keys and"
                        + " values at one width, k/v = key and value widths; g = group, r ="
                        + " residual), every other head"
                        + " bf16, on the calibration samples. Sensitivity is the answer-loss increase"
                        + " in nats per answer token; errors are relative. The applied width of each"
                        + " head is in the last column.</p>");
        b.append(map(rows, applied, "sensitivity (nats / answer token)", KvQuantRow::sensitivity));
        b.append(
                map(
                        rows,
                        applied,
                        "attention output error (relative L2)",
                        KvQuantRow::attentionError));
        b.append(map(rows, applied, "key error (relative RMS)", KvQuantRow::keyError));
        b.append(map(rows, applied, "value error (relative RMS)", KvQuantRow::valueError));
        return b.toString();
    }

    private static String map(
            List<KvQuantRow> rows,
            int[][] applied,
            String title,
            java.util.function.ToDoubleFunction<KvQuantRow> measure) {
        TreeSet<KvScheme> widths = new TreeSet<>(COLUMNS);
        double max = 0;
        for (KvQuantRow r : rows) {
            widths.add(r.scheme());
            max = Math.max(max, Math.abs(measure.applyAsDouble(r)));
        }
        double scale = max == 0 ? 1 : max;
        StringBuilder b = new StringBuilder("<figure class=\"kv-quant\"><table class=\"heat\">");
        b.append("<caption>")
                .append(Html.escape(title))
                .append("</caption><tr><th>layer / KV head</th>");
        for (KvScheme w : widths) b.append("<th>").append(Html.escape(w.label())).append("</th>");
        b.append("<th>applied</th></tr>");
        for (int l = 0; l < applied.length; l++)
            for (int h = 0; h < applied[l].length; h++) {
                b.append("<tr><th>").append(l).append(" / ").append(h).append("</th>");
                for (KvScheme w : widths) {
                    KvQuantRow r = find(rows, l, h, w);
                    if (r == null) {
                        b.append("<td class=\"missing\">no data</td>");
                        continue;
                    }
                    double v = measure.applyAsDouble(r), t = Math.abs(v) / scale;
                    b.append(
                            String.format(
                                    Locale.ROOT,
                                    "<td style=\"background:%s;color:%s\">%s</td>",
                                    SvgCharts.sequential(t),
                                    SvgCharts.onSequential(t),
                                    Html.escape(String.format(Locale.ROOT, "%.3g", v))));
                }
                b.append("<td>").append(applied[l][h]).append("</td></tr>");
            }
        b.append("</table><figcaption>shade: value / ")
                .append(Html.escape(String.format(Locale.ROOT, "%.3g", scale)))
                .append(" (the largest), light to dark blue</figcaption></figure>");
        return b.toString();
    }

    private static KvQuantRow find(List<KvQuantRow> rows, int l, int h, KvScheme w) {
        for (KvQuantRow r : rows)
            if (r.layer() == l && r.kvHead() == h && r.scheme().equals(w)) return r;
        return null;
    }

    static String consoleSummary(List<KvQuantRow> rows) {
        StringBuilder b =
                new StringBuilder("quantize_kv: sensitivity per KV head (nats / answer token)\n");
        TreeSet<KvScheme> widths = new TreeSet<>(COLUMNS);
        int layers = 0, heads = 0;
        for (KvQuantRow r : rows) {
            widths.add(r.scheme());
            layers = Math.max(layers, r.layer() + 1);
            heads = Math.max(heads, r.kvHead() + 1);
        }
        b.append(String.format(Locale.ROOT, "%-12s", "layer/head"));
        for (KvScheme w : widths) b.append(String.format(Locale.ROOT, "%14s", w.label()));
        b.append('\n');
        for (int l = 0; l < layers; l++)
            for (int h = 0; h < heads; h++) {
                b.append(String.format(Locale.ROOT, "%-12s", l + "/" + h));
                for (KvScheme w : widths) {
                    KvQuantRow r = find(rows, l, h, w);
                    b.append(
                            String.format(
                                    Locale.ROOT,
                                    "%14.4f",
                                    r == null ? Double.NaN : r.sensitivity()));
                }
                b.append('\n');
            }
        return b.toString();
    }
}
