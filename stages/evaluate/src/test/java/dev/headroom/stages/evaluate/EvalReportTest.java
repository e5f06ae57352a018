package dev.headroom.stages.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headroom.pipeline.api.ConfigProblems;
import dev.headroom.pipeline.api.EvalMethod;
import dev.headroom.pipeline.api.MethodSpec;
import dev.headroom.pipeline.api.ModelFacts;
import dev.headroom.pipeline.api.StageContext;
import dev.headroom.pipeline.report.RunReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class EvalReportTest {

    private record Label(String label) implements MethodSpec {
        @Override
        public void validate(ConfigProblems problems, ModelFacts model) {}

        @Override
        public EvalMethod resolve(StageContext context) {
            throw new UnsupportedOperationException();
        }
    }

    private static EvaluateParams params(List<String> tasks) {
        return new EvaluateParams(
                List.of(new Label("dense"), new Label("uniform")),
                tasks,
                List.of(128, 256),
                List.of(0.0, 0.5, 1.0),
                1,
                7L,
                null,
                null,
                false,
                null);
    }

    /**
     * One case per method, task, length and depth: passkey and copy score by method; kl agrees
     * fully (1.0) and has KL and ppl.
     */
    private static List<CaseResult> cases(List<String> tasks) {
        List<CaseResult> out = new ArrayList<>();
        for (String m : List.of("dense", "uniform")) {
            for (String task : tasks) {
                for (int n : List.of(128, 256)) {
                    for (double d : List.of(0.0, 0.5, 1.0)) {
                        boolean kl = task.equals("kl");
                        double score = kl ? 1.0 : m.equals("dense") ? 1.0 : 0.0;
                        CaseResult.Builder b =
                                CaseResult.builder()
                                        .method(m)
                                        .policy(m)
                                        .task(task)
                                        .scoringRule(kl ? "top1_agreement" : "string_match_all")
                                        .length(n)
                                        .depth(d)
                                        .sample(0)
                                        .seed(7L)
                                        .promptTokens(n)
                                        .newTokens(1)
                                        .score(score)
                                        .correct(score >= 1)
                                        .prediction("p")
                                        .kvCacheBytes(m.equals("dense") ? n * 640L : 64 * 640L)
                                        .density(m.equals("dense") ? 1 : 0.5)
                                        .prefillMillis(m.equals("dense") ? 4 : 2)
                                        .decodeMillis(n / 64.0);
                        if (kl) {
                            b.klDivergence(m.equals("dense") ? 0 : 1.25 * n / 128)
                                    .perplexity(m.equals("dense") ? 2.6 : 30);
                        }
                        out.add(b.build());
                    }
                }
            }
        }
        return out;
    }

    private static String render(List<String> tasks) {
        List<CaseResult> results = cases(tasks);
        Map<String, List<CaseResult>> cells =
                results.stream().collect(Collectors.groupingBy(CaseResult::cellKey));
        List<CellSummary> summary = cells.values().stream().map(CellAccuracyFn::summarize).toList();
        RunReport report = new RunReport("t");
        EvalReport.addTo(report, params(tasks), summary, results);
        return report.html();
    }

    @Test
    void timePerCaseShowsTheMeasuredPrefillAndDecodePerMethodAndLength() {
        String html = render(List.of("passkey", "copy"));
        String timing = html.substring(html.indexOf("<h2>Time per case</h2>"));
        assertTrue(timing.contains("Backend: auto"), timing);
        // dense at 256: 2 tasks x 3 depths = 6 cases, prefill 4 ms and decode 256/64 = 4 ms each
        assertTrue(
                timing.contains(
                        "<td class=\"l\">dense</td><td>256</td><td>6</td><td>4.00</td><td>4.00</td><td>0.05</td>"),
                timing);
        assertTrue(
                timing.contains(
                        "<td class=\"l\">uniform</td><td>128</td><td>6</td><td>2.00</td><td>2.00</td><td>0.02</td>"),
                timing);
        assertTrue(timing.indexOf(">dense<") < timing.indexOf(">uniform<"), "config order");
    }

    @Test
    void tokenTasksGetNoNeedleDepthMap() {
        String html = render(List.of("passkey", "copy", "mqar", "kl"));
        String heatmaps =
                html.substring(
                        html.indexOf("<h2>Accuracy by needle depth and length</h2>"),
                        html.indexOf("<h2>Accuracy against KV-cache memory</h2>"));
        assertTrue(heatmaps.contains("<h3>passkey</h3>"));
        for (String token : List.of("copy", "mqar", "kl")) {
            assertFalse(heatmaps.contains("<h3>" + token + "</h3>"), token + " has no depth map");
        }
        assertTrue(heatmaps.contains("Not shown: copy, mqar, kl"));
        assertEquals(
                2,
                heatmaps.split("<title>depth 0.0, length 128", -1).length - 1,
                "one map per method, for passkey only");

        String onlyTokens = render(List.of("copy", "kl"));
        assertFalse(
                onlyTokens.contains("Accuracy by needle depth and length"),
                "no depth section without a depth task");
    }

    @Test
    void klIsKeptOutOfTheAccuracyAggregateAndGetsItsOwnPlot() {
        String html = render(List.of("passkey", "kl"));
        String accuracy =
                html.substring(
                        html.indexOf("<h2>Accuracy against KV-cache memory</h2>"),
                        html.indexOf("<h2>KL divergence and perplexity"));
        // uniform scores 0 on passkey and agrees fully on kl: averaged, its accuracy would read 0.5
        Matcher m =
                Pattern.compile(
                                "<title>uniform N=\\d+: [^<]* accuracy \\(mean score\\) ([0-9.]+)</title>")
                        .matcher(accuracy);
        int points = 0;
        while (m.find()) {
            points++;
            assertEquals(
                    0.0,
                    Double.parseDouble(m.group(1)),
                    1e-9,
                    "kl's agreement is not in uniform's accuracy");
        }
        assertEquals(2, points);
        assertTrue(accuracy.contains("(passkey)"), "the caption names the tasks averaged");

        String kl =
                html.substring(html.indexOf("<h2>KL divergence and perplexity (kl probe)</h2>"));
        assertTrue(
                kl.contains(">KL(dense \u2016 method) (nats)</text>")
                        && kl.contains(">perplexity</text>"),
                "y labels");
        assertTrue(kl.contains(">prompt length N (tokens, log scale)</text>"), "x label");
        assertTrue(kl.contains("class=\"legend\"") && kl.contains(">uniform</text>"));
        assertTrue(
                kl.contains("KL(dense \u2016 method) (nats) 2.5</title>"),
                "uniform's KL at N=256 is plotted");
        assertTrue(kl.contains("perplexity 30</title>") && kl.contains("perplexity 2.6</title>"));

        String noKl = render(List.of("passkey"));
        assertFalse(
                noKl.contains("KL divergence and perplexity"), "no kl plot without the kl task");
        String onlyKl = render(List.of("kl"));
        assertFalse(
                onlyKl.contains("<h2>Accuracy against KV-cache memory</h2>"),
                "no accuracy plot when only kl ran");
        assertTrue(onlyKl.contains("<h2>KL divergence and perplexity (kl probe)</h2>"));
    }
}
