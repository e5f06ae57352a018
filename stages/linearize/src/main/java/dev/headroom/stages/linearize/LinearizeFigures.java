package dev.headroom.stages.linearize;

import dev.headroom.pipeline.report.ConsoleTable;
import dev.headroom.pipeline.report.Html;
import dev.headroom.pipeline.report.SvgCharts;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/** The linearize section of report.html (loss curves, per-head table) and its console summary. */
final class LinearizeFigures {
    private LinearizeFigures() {}

    static String section(List<LinearizeLayerRow> rows) {
        StringBuilder b = new StringBuilder();
        b.append(
                "<p>Attention transfer: each layer's linearized heads fitted by Adam so that their"
                        + " hybrid attention (exact sink + window, Hedgehog linear attention before it)"
                        + " reproduces the dense attention output on the calibration activations. The"
                        + " curve is the held-out MSE of the layer's heads (mean), log scale; the table"
                        + " gives each head's, and that of its exact sink + window alone (no linear"
                        + " part), which the hybrid must beat to add anything.</p>");
        List<SvgCharts.Series> series = new ArrayList<>();
        double lo = Double.POSITIVE_INFINITY, hi = 0, maxStep = 1;
        for (int layer : layers(rows)) {
            List<LinearizeLayerRow> curve =
                    rows.stream()
                            .filter(
                                    r ->
                                            r.layer() == layer
                                                    && r.kvHead() == -1
                                                    && r.split().equals(LinearizeLayerRow.HELD_OUT))
                            .toList();
            double[] x = new double[curve.size()], y = new double[curve.size()];
            for (int i = 0; i < x.length; i++) {
                x[i] = curve.get(i).step();
                y[i] = curve.get(i).mse();
                lo = Math.min(lo, y[i]);
                hi = Math.max(hi, y[i]);
                maxStep = Math.max(maxStep, x[i]);
            }
            series.add(new SvgCharts.Series("layer " + layer, x, y, new String[x.length]));
        }
        for (SvgCharts.Series s : series) java.util.Arrays.fill(s.pointLabels(), "");
        if (!series.isEmpty())
            b.append(
                    SvgCharts.plot(
                            "held-out transfer loss per layer",
                            SvgCharts.Axis.linear("Adam steps", 0, maxStep),
                            SvgCharts.Axis.log2(
                                    "attention output MSE",
                                    lo,
                                    hi,
                                    v -> String.format(Locale.ROOT, "%.2g", v)),
                            series,
                            true));
        b.append("<table><tr><th>layer</th><th>KV head</th><th>initial MSE</th>")
                .append("<th>final MSE</th><th>reduction</th><th>sink + window alone</th>")
                .append("<th>steps</th></tr>");
        for (String[] r : perHead(rows)) {
            b.append("<tr>");
            for (String cell : r) b.append("<td>").append(Html.escape(cell)).append("</td>");
            b.append("</tr>");
        }
        return b.append("</table>").toString();
    }

    private static TreeSet<Integer> layers(List<LinearizeLayerRow> rows) {
        TreeSet<Integer> layers = new TreeSet<>();
        for (LinearizeLayerRow r : rows) layers.add(r.layer());
        return layers;
    }

    /** layer, KV head, initial held-out MSE, final, initial / final, steps. */
    private static List<String[]> perHead(List<LinearizeLayerRow> rows) {
        List<String[]> out = new ArrayList<>();
        for (LinearizeLayerRow r : rows) {
            if (!r.split().equals(LinearizeLayerRow.FINAL)) continue;
            double initial =
                    LinearizeStage.loss(rows, r.layer(), r.kvHead(), LinearizeStage.Loss.INITIAL);
            out.add(
                    new String[] {
                        Integer.toString(r.layer()),
                        Integer.toString(r.kvHead()),
                        String.format(Locale.ROOT, "%.3g", initial),
                        String.format(Locale.ROOT, "%.3g", r.mse()),
                        String.format(Locale.ROOT, "%.1fx", initial / r.mse()),
                        String.format(
                                Locale.ROOT,
                                "%.3g",
                                LinearizeStage.loss(
                                        rows,
                                        r.layer(),
                                        r.kvHead(),
                                        LinearizeStage.Loss.WINDOW_ONLY)),
                        Integer.toString(r.step())
                    });
        }
        return out;
    }

    static String consoleSummary(List<LinearizeLayerRow> rows) {
        ConsoleTable t =
                new ConsoleTable(
                        List.of(
                                "layer",
                                "kv_head",
                                "initial_mse",
                                "final_mse",
                                "reduction",
                                "window_only_mse",
                                "steps"),
                        0);
        for (String[] r : perHead(rows)) t.row(List.of(r));
        return "linearize: attention transfer (held-out MSE of the hybrid output)\n" + t.render();
    }
}
