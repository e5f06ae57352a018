package dev.headroom.stages.search;

import dev.headroom.pipeline.report.Html;
import dev.headroom.pipeline.report.SvgCharts;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/** The search stage's figures: a layer × KV head map of the chosen spans, and the Pareto front. */
final class PlanFigures {
    private PlanFigures() {
    }

    /** One map per plan at the largest budget length; cell shade = window / length, label = window in tokens. */
    static String spanMaps(List<PlanTables.PlanHead> heads, int layers, int kvHeads) {
        int n = heads.stream().mapToInt(PlanTables.PlanHead::budgetLength).max().orElse(0);
        StringBuilder b = new StringBuilder("<div class=\"grid\">");
        for (String plan : new TreeSet<>(heads.stream().map(PlanTables.PlanHead::plan).toList())) {
            int cell = 48, left = 64, top = 30;
            int w = Math.max(left + kvHeads * cell + 20, 330), h = top + layers * cell + 40;
            double mean = heads.stream().filter(x -> x.plan().equals(plan) && x.budgetLength() == n).mapToDouble(PlanTables.PlanHead::density).average().orElse(1);
            b.append(String.format(Locale.ROOT, "<svg class=\"fig\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\">", w, h));
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"16\" font-size=\"13\" font-weight=\"600\">%s spans at N=%d (density %.3f)</text>",
                    8, Html.escape(plan), n, mean));
            for (PlanTables.PlanHead x : heads) {
                if (!x.plan().equals(plan) || x.budgetLength() != n) continue;
                double frac = x.window() == 0 ? 1.0 : Math.min(1.0, (double) x.window() / n);
                int shade = (int) (255 * (1 - frac));
                b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"rgb(%d,%d,%d)\" stroke=\"#fff\"><title>layer %d kv head %d: %s, sink %d, alpha %.0f, beta %.3f</title></rect>",
                        left + x.kvHead() * cell, top + x.layer() * cell, cell, cell, shade, 140 + shade * 115 / 255, 255, x.layer(), x.kvHead(), x.kind(), x.sink(), x.alpha(), x.beta()));
                b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\" fill=\"%s\">%s</text>",
                        left + x.kvHead() * cell + cell / 2, top + x.layer() * cell + cell / 2 + 4, frac > 0.6 ? "#fff" : "#000",
                        x.window() == 0 ? "full" : String.valueOf(x.window())));
            }
            for (int l = 0; l < layers; l++) {
                b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\">layer %d</text>", left - 6, top + l * cell + cell / 2 + 4, l));
            }
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\">KV head →</text></svg>", left, top + layers * cell + 16));
        }
        return b.append("</div>").toString();
    }

    /** Predicted loss increase against density, one series per profiled length; the chosen plan labelled. */
    static String paretoFront(List<PlanTables.FrontPoint> front) {
        List<SvgCharts.Series> series = new java.util.ArrayList<>();
        for (String key : new TreeSet<>(front.stream().map(p -> p.method() + " N=" + p.length()).toList())) {
            List<PlanTables.FrontPoint> pts = front.stream().filter(p -> (p.method() + " N=" + p.length()).equals(key))
                    .sorted(java.util.Comparator.comparingDouble(PlanTables.FrontPoint::density)).toList();
            double[] x = pts.stream().mapToDouble(PlanTables.FrontPoint::density).toArray();
            double[] y = pts.stream().mapToDouble(PlanTables.FrontPoint::predictedLoss).toArray();
            String[] labels = pts.stream().map(p -> p.chosen() ? "chosen" : "").toArray(String[]::new);
            series.add(new SvgCharts.Series(key, x, y, labels));
        }
        return "<h3>Pareto front</h3><p>Each point is a plan on a Pareto front (moa: elastic spans for every head; hybrid: "
                + "retrieval heads held full); the one with the lowest held-out answer loss (by default that of its worst "
                + "validation sample) is chosen (outlined).</p>"
                + PlanFigures.scatter("Predicted loss increase vs density", series);
    }

    /** A plain linear scatter (density on x, loss on y). */
    static String scatter(String title, List<SvgCharts.Series> series) {
        double xmin = 0, xmax = 1, ymax = 1e-12;
        for (SvgCharts.Series s : series) for (double v : s.y()) ymax = Math.max(ymax, v);
        int w = 520, h = 300, left = 60, right = 110, top = 30, bottom = 40;
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\">", w, h));
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"16\" font-size=\"13\" font-weight=\"600\">%s</text>", left, Html.escape(title)));
        b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/><line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>",
                left, h - bottom, w - right, h - bottom, left, top, left, h - bottom));
        for (int i = 0; i <= 4; i++) {
            double fx = i / 4.0;
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">%.2f</text>",
                    left + fx * (w - left - right), h - bottom + 14, xmin + fx * (xmax - xmin)));
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\">%.3g</text>",
                    left - 4, h - bottom - fx * (h - top - bottom) + 3, fx * ymax));
        }
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">density</text>", left + (w - left - right) / 2, h - 6));
        for (int si = 0; si < series.size(); si++) {
            SvgCharts.Series s = series.get(si);
            String color = SvgCharts.color(si);
            for (int i = 0; i < s.x().length; i++) {
                double px = left + (s.x()[i] - xmin) / (xmax - xmin) * (w - left - right);
                double py = h - bottom - s.y()[i] / ymax * (h - top - bottom);
                boolean chosen = !s.pointLabels()[i].isEmpty();
                b.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%d\" fill=\"%s\" stroke=\"#000\" stroke-width=\"%s\"><title>%s: density %.3f, loss %.4g</title></circle>",
                        px, py, chosen ? 6 : 4, color, chosen ? "2" : "0", Html.escape(s.name()), s.x()[i], s.y()[i]));
            }
            b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/><text x=\"%d\" y=\"%d\" font-size=\"11\">%s</text>",
                    w - right + 10, top + si * 16, color, w - right + 24, top + si * 16 + 9, Html.escape(s.name())));
        }
        return b.append("</svg>").toString();
    }

    static String consoleSummary(List<PlanTables.PlanHead> heads, List<PlanTables.FrontPoint> front, double budget) {
        StringBuilder b = new StringBuilder("search: density budget " + budget + "\n");
        int n = heads.stream().mapToInt(PlanTables.PlanHead::budgetLength).max().orElse(0);
        for (String plan : new TreeSet<>(heads.stream().map(PlanTables.PlanHead::plan).toList())) {
            double d = heads.stream().filter(x -> x.plan().equals(plan) && x.budgetLength() == n).mapToDouble(PlanTables.PlanHead::density).average().orElse(1);
            long full = heads.stream().filter(x -> x.plan().equals(plan) && x.budgetLength() == n && x.window() == 0).count();
            b.append(String.format(Locale.ROOT, "  %-4s density %.3f at N=%d, %d full heads%n", plan, d, n, full));
        }
        front.stream().filter(PlanTables.FrontPoint::chosen).findFirst().ifPresent(p ->
                b.append(String.format(Locale.ROOT, "  chosen: %s front plan %d of %d, held-out loss %.4f%n", p.method(), p.index(),
                        front.stream().mapToInt(PlanTables.FrontPoint::index).max().orElse(0) + 1, p.validationLoss())));
        return b.toString().stripTrailing();
    }
}
