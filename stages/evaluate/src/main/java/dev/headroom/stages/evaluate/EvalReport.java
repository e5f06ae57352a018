package dev.headroom.stages.evaluate;

import dev.headroom.eval.harness.TaskFactory;
import dev.headroom.eval.harness.TextWindowTask;
import dev.headroom.pipeline.api.MethodSpec;
import dev.headroom.pipeline.report.ConsoleTable;
import dev.headroom.pipeline.report.Html;
import dev.headroom.pipeline.report.RunReport;
import dev.headroom.pipeline.report.SvgCharts;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The evaluate stage's console table and report sections: summary, needle-depth heatmaps (tasks
 * with a needle only), accuracy versus memory (accuracy tasks only: the kl probe's top-1 agreement
 * is not an accuracy), and KL divergence and perplexity of the kl probe.
 */
final class EvalReport {

    private EvalReport() {}

    /** Rows in config order of methods, then task, then length. */
    static List<CellSummary> ordered(EvaluateParams params, List<CellSummary> summary) {
        List<String> methodOrder = params.methods().stream().map(MethodSpec::label).toList();
        List<String> taskOrder = params.tasks();
        List<CellSummary> rows = new ArrayList<>(summary);
        rows.sort(
                Comparator.comparingInt((CellSummary s) -> methodOrder.indexOf(s.method()))
                        .thenComparingInt(s -> taskOrder.indexOf(s.task()))
                        .thenComparingInt(CellSummary::length));
        return rows;
    }

    /** Whether any row is of the kl probe (then KL and perplexity columns are shown). */
    static boolean hasLanguageModeling(List<CellSummary> rows) {
        return rows.stream().anyMatch(s -> !Double.isNaN(s.meanKlDivergence()));
    }

    static ConsoleTable consoleTable(List<CellSummary> rows) {
        boolean lm = hasLanguageModeling(rows);
        List<String> header =
                new ArrayList<>(
                        List.of(
                                "method",
                                "task",
                                "length",
                                "cases",
                                "accuracy",
                                "95% CI",
                                "KV cache",
                                "density"));
        if (lm) {
            header.addAll(List.of("KL", "ppl"));
        }
        ConsoleTable t = new ConsoleTable(header, 2);
        for (CellSummary s : rows) {
            List<String> cells =
                    new ArrayList<>(
                            List.of(
                                    s.method(),
                                    s.task(),
                                    Integer.toString(s.length()),
                                    Integer.toString(s.cases()),
                                    String.format(Locale.ROOT, "%.3f", s.accuracy()),
                                    String.format(Locale.ROOT, "%.2f-%.2f", s.ciLow(), s.ciHigh()),
                                    Html.bytes(s.meanKvCacheBytes()),
                                    String.format(Locale.ROOT, "%.3f", s.meanDensity())));
            if (lm) {
                cells.add(orDash("%.4f", s.meanKlDivergence()));
                cells.add(orDash("%.2f", s.meanPerplexity()));
            }
            t.row(cells);
        }
        return t;
    }

    private static String orDash(String format, double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, format, v);
    }

    /**
     * The kl probe: KL divergence and perplexity against dense attention, no accuracy, no needle.
     */
    static final String KL_TASK = TextWindowTask.NAME;

    /**
     * Tasks whose depth is a needle position (not the token tasks: copy, mqar, kl record a depth
     * they do not use).
     */
    static List<String> depthTasks(EvaluateParams params) {
        return params.tasks().stream().filter(t -> !TaskFactory.TOKEN_TASKS.contains(t)).toList();
    }

    /** Tasks averaged into the accuracy of the accuracy-vs-memory plot: all but the kl probe. */
    static boolean isAccuracyTask(String task) {
        return !task.equals(KL_TASK);
    }

    static void addTo(
            RunReport report,
            EvaluateParams params,
            List<CellSummary> summary,
            List<CaseResult> results) {
        List<CellSummary> rows = ordered(params, summary);
        report.console(
                "evaluate: accuracy per method, task and length\n" + consoleTable(rows).render());
        report.section("Evaluation summary", summaryTable(rows));
        if (!depthTasks(params).isEmpty()) {
            report.section("Accuracy by needle depth and length", heatmaps(params, results));
        }
        if (rows.stream().anyMatch(s -> isAccuracyTask(s.task()))) {
            report.section("Accuracy against KV-cache memory", accuracyVersusBytes(params, rows));
        }
        if (rows.stream()
                .anyMatch(s -> s.task().equals(KL_TASK) && !Double.isNaN(s.meanKlDivergence()))) {
            report.section(
                    "KL divergence and perplexity (kl probe)", languageModeling(params, rows));
        }
        if (!results.isEmpty()) {
            report.section("Time per case", timing(params, results));
        }
    }

    /**
     * Measured prefill and decode wall time per method and length (the eval_results columns
     * prefill_ms and decode_ms): mean per case and the sum over the method's cases.
     */
    static String timing(EvaluateParams params, List<CaseResult> results) {
        Map<String, Integer> order = new TreeMap<>();
        for (MethodSpec m : params.methods()) order.putIfAbsent(m.label(), order.size());
        Map<String, double[]> cells = new TreeMap<>(); // method|length -> cases, prefill, decode
        for (CaseResult r : results) {
            String key =
                    String.format(
                            Locale.ROOT,
                            "%05d|%s|%08d",
                            order.getOrDefault(r.method(), order.size()),
                            r.method(),
                            r.length());
            double[] c = cells.computeIfAbsent(key, k -> new double[3]);
            c[0]++;
            c[1] += r.prefillMillis();
            c[2] += r.decodeMillis();
        }
        StringBuilder b =
                new StringBuilder(
                        "<p>Backend: "
                                + Html.escape(
                                        params.backendOrDefault().name().toLowerCase(Locale.ROOT))
                                + " (the config's <code>backend</code>; <code>auto</code> takes the"
                                + " GPU where one answers). Wall time measured around each case's"
                                + " prompt pass (prefill) and its generated tokens (decode), as"
                                + " eval_results' prefill_ms and decode_ms hold them.</p>"
                                + "<table><tr><th class=\"l\">method</th><th>length</th><th>cases</th>"
                                + "<th>prefill ms / case</th><th>decode ms / case</th><th>total s</th></tr>");
        for (Map.Entry<String, double[]> e : cells.entrySet()) {
            String[] k = e.getKey().split("\\|");
            double[] c = e.getValue();
            b.append(
                    String.format(
                            Locale.ROOT,
                            "<tr><td class=\"l\">%s</td><td>%d</td><td>%d</td><td>%.2f</td><td>%.2f</td><td>%.2f</td></tr>",
                            Html.escape(k[1]),
                            Integer.parseInt(k[2]),
                            (int) c[0],
                            c[1] / c[0],
                            c[2] / c[0],
                            (c[1] + c[2]) / 1e3));
        }
        return b.append("</table>").toString();
    }

    private static String summaryTable(List<CellSummary> rows) {
        boolean lm = hasLanguageModeling(rows);
        StringBuilder b =
                new StringBuilder(
                        "<p>Accuracy is the mean score over depths and samples (for the kl probe: top-1 agreement "
                                + "with dense attention, which the accuracy plot leaves out), with its 95% Wilson interval; KV cache is the mean number of bytes the method held.</p>"
                                + "<table><tr><th class=\"l\">method</th><th class=\"l\">policy</th><th class=\"l\">task</th>"
                                + "<th>length</th><th>cases</th><th>accuracy</th><th>95% CI</th><th>KV cache</th><th>density</th>"
                                + (lm ? "<th>KL (nats)</th><th>perplexity</th>" : "")
                                + "</tr>");
        for (CellSummary s : rows) {
            b.append(
                    String.format(
                            Locale.ROOT,
                            "<tr><td class=\"l\">%s</td><td class=\"l\">%s</td><td class=\"l\">%s</td><td>%d</td><td>%d</td><td>%.3f</td><td>%.2f–%.2f</td><td>%s</td><td>%.3f</td>",
                            Html.escape(s.method()),
                            Html.escape(s.policy()),
                            Html.escape(s.task()),
                            s.length(),
                            s.cases(),
                            s.accuracy(),
                            s.ciLow(),
                            s.ciHigh(),
                            Html.bytes(s.meanKvCacheBytes()),
                            s.meanDensity()));
            if (lm) {
                b.append("<td>")
                        .append(orDash("%.4f", s.meanKlDivergence()))
                        .append("</td><td>")
                        .append(orDash("%.2f", s.meanPerplexity()))
                        .append("</td>");
            }
            b.append("</tr>");
        }
        return b.append("</table>").toString();
    }

    private static String heatmaps(EvaluateParams params, List<CaseResult> results) {
        List<Integer> lengths = new ArrayList<>(new TreeSet<>(params.lengths()));
        List<Double> depths = new ArrayList<>(new TreeSet<>(params.depthsOrDefault()));
        StringBuilder b =
                new StringBuilder(
                        "<p>Mean score per cell, over samples. Rows: needle depth (0 = start of the haystack); columns: prompt length.");
        List<String> noDepth =
                params.tasks().stream().filter(t -> !depthTasks(params).contains(t)).toList();
        if (!noDepth.isEmpty()) {
            b.append(" Not shown: ")
                    .append(Html.escape(String.join(", ", noDepth)))
                    .append(" (token tasks have no needle depth; see the summary table).");
        }
        b.append("</p>");
        for (String task : depthTasks(params)) {
            b.append("<h3>").append(Html.escape(task)).append("</h3><div class=\"grid\">");
            for (MethodSpec m : params.methods()) {
                double[][] sum = new double[depths.size()][lengths.size()];
                int[][] n = new int[depths.size()][lengths.size()];
                for (CaseResult r : results) {
                    if (r.method().equals(m.label()) && r.task().equals(task)) {
                        int d = depths.indexOf(r.depth()), l = lengths.indexOf(r.length());
                        if (d >= 0 && l >= 0) {
                            sum[d][l] += r.score();
                            n[d][l]++;
                        }
                    }
                }
                double[][] acc = new double[depths.size()][lengths.size()];
                for (int d = 0; d < depths.size(); d++) {
                    for (int l = 0; l < lengths.size(); l++) {
                        acc[d][l] = n[d][l] == 0 ? Double.NaN : sum[d][l] / n[d][l];
                    }
                }
                b.append("<div class=\"fig\">")
                        .append(SvgCharts.heatmap(m.label(), lengths, depths, acc))
                        .append("</div>");
            }
            b.append("</div>");
        }
        return b.toString();
    }

    private static String accuracyVersusBytes(EvaluateParams params, List<CellSummary> rows) {
        List<String> tasks = params.tasks().stream().filter(EvalReport::isAccuracyTask).toList();
        List<SvgCharts.Series> series = new ArrayList<>();
        for (MethodSpec m : params.methods()) {
            // Per length: mean over the accuracy tasks of accuracy and of KV bytes.
            Map<Integer, double[]> byLength = new TreeMap<>();
            for (CellSummary s : rows) {
                if (s.method().equals(m.label()) && isAccuracyTask(s.task())) {
                    double[] a = byLength.computeIfAbsent(s.length(), k -> new double[3]);
                    a[0] += s.meanKvCacheBytes();
                    a[1] += s.accuracy();
                    a[2]++;
                }
            }
            double[] x = new double[byLength.size()], y = new double[byLength.size()];
            String[] labels = new String[byLength.size()];
            int i = 0;
            for (Map.Entry<Integer, double[]> e : byLength.entrySet()) {
                x[i] = e.getValue()[0] / e.getValue()[2];
                y[i] = e.getValue()[1] / e.getValue()[2];
                labels[i] = "N=" + e.getKey();
                i++;
            }
            series.add(new SvgCharts.Series(m.label(), x, y, labels));
        }
        boolean kl = params.tasks().contains(KL_TASK);
        return "<p>Each point is one method at one prompt length N: mean accuracy over the tasks ("
                + Html.escape(String.join(", ", tasks))
                + ") against the mean KV-cache bytes the method held"
                + (kl ? "; the kl probe is not an accuracy task and is plotted below" : "")
                + ". Methods that coincide are drawn with different markers, the later ones thinner on top.</p>"
                + SvgCharts.accuracyVersusBytes("accuracy vs KV-cache bytes", series);
    }

    /**
     * KL(dense || method) and perplexity of the kl probe against the prompt length, one series per
     * method.
     */
    private static String languageModeling(EvaluateParams params, List<CellSummary> rows) {
        List<CellSummary> kl = rows.stream().filter(s -> s.task().equals(KL_TASK)).toList();
        List<SvgCharts.Series> klSeries = new ArrayList<>(), pplSeries = new ArrayList<>();
        for (MethodSpec m : params.methods()) {
            List<CellSummary> cells =
                    kl.stream()
                            .filter(s -> s.method().equals(m.label()))
                            .sorted(Comparator.comparingInt(CellSummary::length))
                            .toList();
            double[] x = cells.stream().mapToDouble(CellSummary::length).toArray();
            String[] none = new String[cells.size()];
            java.util.Arrays.fill(none, "");
            klSeries.add(
                    new SvgCharts.Series(
                            m.label(),
                            x,
                            cells.stream().mapToDouble(CellSummary::meanKlDivergence).toArray(),
                            none));
            pplSeries.add(
                    new SvgCharts.Series(
                            m.label(),
                            x,
                            cells.stream().mapToDouble(CellSummary::meanPerplexity).toArray(),
                            none));
        }
        double minN = kl.stream().mapToDouble(CellSummary::length).min().orElse(1);
        double maxN = kl.stream().mapToDouble(CellSummary::length).max().orElse(2);
        double maxKl =
                kl.stream()
                        .mapToDouble(CellSummary::meanKlDivergence)
                        .filter(v -> !Double.isNaN(v))
                        .max()
                        .orElse(1);
        double maxPpl =
                kl.stream()
                        .mapToDouble(CellSummary::meanPerplexity)
                        .filter(v -> !Double.isNaN(v))
                        .max()
                        .orElse(1);
        SvgCharts.Axis xAxis =
                SvgCharts.Axis.log2(
                        "prompt length N (tokens, log scale)",
                        minN,
                        maxN,
                        v -> String.format(Locale.ROOT, "%.0f", v));
        return "<p>The kl probe runs each method over a given text and compares its next-token distributions with dense "
                + "attention: mean KL(dense \u2016 method) in nats (0 = identical) and the method's perplexity on the text "
                + "(dense attention's is the reference). Lower is better for both; its top-1 agreement is in the summary table.</p>"
                + "<div class=\"grid\"><div class=\"fig\">"
                + SvgCharts.plot(
                        "KL divergence from dense vs prompt length",
                        xAxis,
                        SvgCharts.Axis.linear(
                                "KL(dense \u2016 method) (nats)", 0, maxKl > 0 ? maxKl : 1),
                        klSeries,
                        true)
                + "</div><div class=\"fig\">"
                + SvgCharts.plot(
                        "Perplexity vs prompt length",
                        xAxis,
                        SvgCharts.Axis.linear("perplexity", 0, maxPpl > 0 ? maxPpl : 1),
                        pplSeries,
                        true)
                + "</div></div>";
    }
}
