package dev.headroom.stages.search;

import dev.headroom.pipeline.report.Html;
import dev.headroom.pipeline.report.SvgCharts;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/** The search stage's figures: a layer × KV head map of the chosen spans, and the Pareto front. */
final class PlanFigures {
    private PlanFigures() {}

    /**
     * One map per plan at the largest budget length. Each cell is a KV head: its recent window in
     * tokens (large) and the sink tokens it keeps besides (small); shade = tokens kept (sink +
     * window) / N on the 0..1 scale under the maps; "full" heads keep all N tokens.
     */
    static String spanMaps(List<PlanTables.PlanHead> heads, int layers, int kvHeads) {
        int n = heads.stream().mapToInt(PlanTables.PlanHead::budgetLength).max().orElse(0);
        StringBuilder b =
                new StringBuilder(
                        String.format(
                                Locale.ROOT,
                                "<p>Per KV head at N=%d tokens: the recent window in tokens "
                                        + "(large number) and the sink tokens at the start of the prompt it keeps besides (\u201c+4 sink\u201d); "
                                        + "<i>full</i> = all N tokens. Shade: tokens kept (sink + window) as a share of N.</p><div class=\"grid\">",
                                n));
        List<Double> ticks = List.of(0.0, 0.25, 0.5, 0.75, 1.0);
        for (String plan : new TreeSet<>(heads.stream().map(PlanTables.PlanHead::plan).toList())) {
            int cell = 58, left = 64, top = 30;
            int mapBottom = top + layers * cell, scaleY = mapBottom + 50, scaleW = 220;
            int w = Math.max(left + kvHeads * cell + 20, left + scaleW + 30), h = scaleY + 50;
            double mean =
                    heads.stream()
                            .filter(x -> x.plan().equals(plan) && x.budgetLength() == n)
                            .mapToDouble(PlanTables.PlanHead::density)
                            .average()
                            .orElse(1);
            b.append(
                    String.format(
                            Locale.ROOT,
                            "<svg class=\"fig\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">",
                            w,
                            h,
                            w,
                            h));
            b.append(
                    SvgCharts.text(
                            8,
                            16,
                            "start",
                            13,
                            "600",
                            String.format(
                                    Locale.ROOT,
                                    "%s spans at N=%d (density %.3f)",
                                    plan,
                                    n,
                                    mean)));
            for (PlanTables.PlanHead x : heads) {
                if (!x.plan().equals(plan) || x.budgetLength() != n) continue;
                boolean full = x.window() == 0;
                double kept = full ? 1.0 : Math.min(1.0, (double) (x.sink() + x.window()) / n);
                int cx = left + x.kvHead() * cell, cy = top + x.layer() * cell;
                String ink = SvgCharts.onSequential(kept);
                b.append(
                        String.format(
                                Locale.ROOT,
                                "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\" stroke=\"#fff\"><title>layer %d kv head %d: %s, %s, sink %d tokens, alpha %.0f, beta %.3f, %.1f%% of N kept</title></rect>",
                                cx,
                                cy,
                                cell,
                                cell,
                                SvgCharts.sequential(kept),
                                x.layer(),
                                x.kvHead(),
                                x.kind(),
                                full ? "all tokens" : "window " + x.window() + " tokens",
                                x.sink(),
                                x.alpha(),
                                x.beta(),
                                100 * kept));
                b.append(
                        String.format(
                                Locale.ROOT,
                                "<text x=\"%d\" y=\"%d\" font-size=\"13\" font-weight=\"600\" text-anchor=\"middle\" fill=\"%s\">%s</text>",
                                cx + cell / 2,
                                cy + cell / 2 + (full ? 5 : 0),
                                ink,
                                full ? "full" : String.valueOf(x.window())));
                if (!full) {
                    b.append(
                            String.format(
                                    Locale.ROOT,
                                    "<text class=\"sink\" x=\"%d\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\" fill=\"%s\">+%d sink</text>",
                                    cx + cell / 2,
                                    cy + cell / 2 + 15,
                                    ink,
                                    x.sink()));
                }
            }
            for (int l = 0; l < layers; l++) {
                b.append(
                        SvgCharts.text(
                                left - 6,
                                top + l * cell + cell / 2.0 + 4,
                                "end",
                                11,
                                "400",
                                "layer " + l));
            }
            for (int k = 0; k < kvHeads; k++) {
                b.append(
                        SvgCharts.text(
                                left + k * cell + cell / 2.0,
                                mapBottom + 13,
                                "middle",
                                10,
                                "400",
                                String.valueOf(k)));
            }
            b.append(
                    SvgCharts.text(
                            left + kvHeads * cell / 2.0,
                            mapBottom + 27,
                            "middle",
                            11,
                            "400",
                            "KV head"));
            b.append(
                    SvgCharts.colorBar(
                            left,
                            scaleY,
                            scaleW,
                            10,
                            0,
                            1,
                            SvgCharts::sequential,
                            ticks,
                            v -> SvgCharts.tickLabel(v, ticks),
                            "tokens kept / N (sink + window)"));
            b.append(
                    SvgCharts.text(
                            left,
                            scaleY + 38,
                            "start",
                            10,
                            "400",
                            "cell: window (tokens) +sink (tokens)"));
            b.append("</svg>");
        }
        return b.append("</div>").toString();
    }

    /**
     * Held-out answer loss (the validation that chose the plan) against density, one point per
     * front plan and one series per front (moa, hybrid); the chosen plan outlined and labelled.
     * Density is that at the longest profiled length (the table has it per profiled length); the
     * predicted loss is in each point's tooltip label.
     */
    static String paretoFront(List<PlanTables.FrontPoint> front) {
        int longest = front.stream().mapToInt(PlanTables.FrontPoint::length).max().orElse(0);
        List<PlanTables.FrontPoint> at = front.stream().filter(p -> p.length() == longest).toList();
        List<SvgCharts.Series> series = new java.util.ArrayList<>();
        for (String method :
                new TreeSet<>(at.stream().map(PlanTables.FrontPoint::method).toList())) {
            List<PlanTables.FrontPoint> pts =
                    at.stream()
                            .filter(p -> p.method().equals(method))
                            .sorted(
                                    java.util.Comparator.comparingDouble(
                                            PlanTables.FrontPoint::density))
                            .toList();
            double[] x = pts.stream().mapToDouble(PlanTables.FrontPoint::density).toArray();
            double[] y = pts.stream().mapToDouble(PlanTables.FrontPoint::validationLoss).toArray();
            String[] labels =
                    pts.stream().map(p -> p.chosen() ? "chosen" : "").toArray(String[]::new);
            boolean[] chosen = new boolean[pts.size()];
            for (int i = 0; i < chosen.length; i++) chosen[i] = pts.get(i).chosen();
            series.add(new SvgCharts.Series(method, x, y, labels, chosen));
        }
        double xmin = at.stream().mapToDouble(PlanTables.FrontPoint::density).min().orElse(0);
        double xmax = at.stream().mapToDouble(PlanTables.FrontPoint::density).max().orElse(1);
        double ymax =
                at.stream()
                        .mapToDouble(PlanTables.FrontPoint::validationLoss)
                        .filter(v -> !Double.isNaN(v))
                        .max()
                        .orElse(1);
        SvgCharts.Axis xAxis =
                SvgCharts.Axis.linear(
                        "density at N=" + longest + " (share of causal query-key pairs)",
                        xmin,
                        xmax);
        SvgCharts.Axis yAxis =
                SvgCharts.Axis.linear("held-out answer loss (nats)", 0, ymax > 0 ? ymax : 1);
        StringBuilder rows = new StringBuilder();
        for (PlanTables.FrontPoint p :
                at.stream()
                        .sorted(
                                java.util.Comparator.comparing(PlanTables.FrontPoint::method)
                                        .thenComparingDouble(PlanTables.FrontPoint::density))
                        .toList()) {
            rows.append(
                    String.format(
                            Locale.ROOT,
                            "<tr><td class=\"l\">%s</td><td>%d</td><td>%.3f</td><td>%.4f</td><td>%.4f</td><td class=\"l\">%s</td></tr>",
                            Html.escape(p.method()),
                            p.index(),
                            p.density(),
                            p.predictedLoss(),
                            p.validationLoss(),
                            p.chosen() ? "chosen" : ""));
        }
        return "<h3>Pareto front</h3><p>Each point is a plan on a Pareto front (moa: elastic spans for every head; hybrid: "
                + "retrieval heads held full), at its held-out answer loss: the loss validation measured on held-out prompts "
                + "(by default that of its worst validation sample). The plan with the lowest one is chosen (outlined).</p>"
                + SvgCharts.plot("Held-out answer loss vs density", xAxis, yAxis, series, true)
                + "<table><tr><th class=\"l\">front</th><th>plan</th><th>density</th><th>predicted loss at N="
                + longest
                + "</th><th>held-out loss</th><th class=\"l\"></th></tr>"
                + rows
                + "</table>";
    }

    static String consoleSummary(
            List<PlanTables.PlanHead> heads, List<PlanTables.FrontPoint> front, double budget) {
        StringBuilder b = new StringBuilder("search: density budget " + budget + "\n");
        int n = heads.stream().mapToInt(PlanTables.PlanHead::budgetLength).max().orElse(0);
        for (String plan : new TreeSet<>(heads.stream().map(PlanTables.PlanHead::plan).toList())) {
            double d =
                    heads.stream()
                            .filter(x -> x.plan().equals(plan) && x.budgetLength() == n)
                            .mapToDouble(PlanTables.PlanHead::density)
                            .average()
                            .orElse(1);
            long full =
                    heads.stream()
                            .filter(
                                    x ->
                                            x.plan().equals(plan)
                                                    && x.budgetLength() == n
                                                    && x.window() == 0)
                            .count();
            b.append(
                    String.format(
                            Locale.ROOT,
                            "  %-4s density %.3f at N=%d, %d full heads%n",
                            plan,
                            d,
                            n,
                            full));
        }
        front.stream()
                .filter(PlanTables.FrontPoint::chosen)
                .findFirst()
                .ifPresent(
                        p ->
                                b.append(
                                        String.format(
                                                Locale.ROOT,
                                                "  chosen: %s front plan %d of %d, held-out loss %.4f%n",
                                                p.method(),
                                                p.index(),
                                                front.stream()
                                                                .mapToInt(
                                                                        PlanTables.FrontPoint
                                                                                ::index)
                                                                .max()
                                                                .orElse(0)
                                                        + 1,
                                                p.validationLoss())));
        return b.toString().stripTrailing();
    }
}
