package dev.headroom.pipeline.stage.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.headroom.attention.plan.AttentionPlan;
import dev.headroom.attention.plan.HeadSpan;
import dev.headroom.pipeline.cli.HeadroomCli;
import dev.headroom.pipeline.report.ParquetTables;
import dev.headroom.plan.profile.ProfileRow;
import dev.headroom.stages.evaluate.CaseResult;
import dev.headroom.stages.evaluate.EvalTables;
import dev.headroom.stages.search.PlanTables;
import dev.headroom.stages.shared.ProfileTables;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The profile → search → evaluate chain on a tiny fixture model with the token-level copy task. */
class ProfileSearchEvaluateTest {

    @Test
    void chainWritesPlansTablesAndEvaluatesThem(@TempDir Path tmp) throws Exception {
        Path model =
                Path.of("../attention/src/test/resources/hf-fixtures/llama_f32_untied_ropeparams")
                        .toAbsolutePath();
        Path config = tmp.resolve("chain.yaml");
        Files.writeString(
                config,
                """
                model: %s
                output: %s
                calibration:
                  source: synthetic
                  tasks: [copy]
                  lengths: [32, 48]
                  samples: 2
                  seed: 3
                stages:
                  - stage: profile
                    block: 8
                    sink: 2
                    local_distance: 8
                    add_bos: false
                  - stage: search
                    density_budget: 0.6
                    validation_length: 64
                    validation_samples: 2
                    alpha_step: 8
                    alpha_max: 32
                    beta_steps: 4
                    time_limit_seconds: 5
                    duo_window: 8
                  - stage: evaluate
                    tasks: [copy]
                    lengths: [64]
                    samples: 1
                    add_bos: false
                    methods:
                      - method: dense
                      - method: plan
                      - method: plan
                        artifact: duo_plan.json
                """
                        .formatted(model, tmp.resolve("run")));
        int code = HeadroomCli.execute("run", config.toString());
        assertEquals(0, code);
        Path run = tmp.resolve("run");
        AttentionPlan chosen = AttentionPlan.read(run.resolve("artifacts/plan.json"));
        AttentionPlan duo = AttentionPlan.read(run.resolve("artifacts/duo_plan.json"));
        assertTrue(
                Set.of("moa", "hybrid").contains(chosen.method()),
                "chosen plan's method: " + chosen.method());
        assertEquals("duo", duo.method());
        List<ProfileRow> profile =
                ParquetTables.read(
                        ProfileTables.HEADS, run.resolve("reports/profile_heads.parquet"));
        assertTrue(profile.stream().anyMatch(r -> r.metric().equals(ProfileRow.RETRIEVAL)));

        for (AttentionPlan plan : List.of(chosen, duo)) {
            assertCoversEveryKvHeadOnce(plan.heads(), plan.method() + " plan");
            for (HeadSpan h : plan.heads()) {
                assertEquals(SINK, h.sink(), "the profile's sink: " + h);
                assertEquals(h.isFull() ? 0 : windowByHand(h, N), h.window(N), h.toString());
            }
            // the budget, by counting attended pairs
            double mean =
                    plan.heads().stream().mapToDouble(h -> densityByHand(h, N)).average().orElse(1);
            assertTrue(mean <= BUDGET + 1e-9, plan.method() + " density " + mean);
            assertEquals(mean, plan.density(N), 1e-12, plan.method() + " density");
        }
        for (HeadSpan h : chosen.heads()) {
            assertTrue(Set.of("window", "full").contains(h.kind()), h.toString());
            assertEquals(h.kind().equals("full"), h.isFull(), h.toString());
            if (!h.isFull()) {
                // on the search's grid: alpha in {0, 8, ..., 32}, beta in {0, 1/4, ..., 1}
                assertEquals(0, h.alpha() % ALPHA_STEP, 1e-9, h.toString());
                assertTrue(h.alpha() >= 0 && h.alpha() <= ALPHA_MAX, h.toString());
                assertEquals(0, (h.beta() * BETA_STEPS) % 1, 1e-9, h.toString());
            }
        }
        // duo: as many retrieval heads as the budget allows, the highest retrieval scores among
        // them
        double streaming = densityByHand(new HeadSpan(0, 0, "streaming", SINK, DUO_WINDOW, 0), N);
        int total = LAYERS * KV_HEADS, allowed = 0;
        for (int r = 0; r <= total; r++) {
            if ((r + (total - r) * streaming) / total <= BUDGET + 1e-12) allowed = r;
        }
        assertTrue(
                allowed > 0 && allowed < total, "the test's budget splits the heads: " + allowed);
        double[][] score = retrievalScores(profile);
        List<HeadSpan> retrieval = new ArrayList<>(), streamingHeads = new ArrayList<>();
        for (HeadSpan h : duo.heads()) {
            assertTrue(Set.of("streaming", "retrieval").contains(h.kind()), h.toString());
            if (h.kind().equals("retrieval")) {
                assertTrue(h.isFull(), h.toString());
                retrieval.add(h);
            } else {
                assertEquals(DUO_WINDOW, h.window(N), "duo_window: " + h);
                assertEquals(0, h.beta(), h.toString());
                streamingHeads.add(h);
            }
        }
        assertEquals(allowed, retrieval.size(), "retrieval heads within the budget");
        for (HeadSpan r : retrieval) {
            for (HeadSpan s : streamingHeads) {
                assertTrue(
                        score[r.layer()][r.kvHead()] >= score[s.layer()][s.kvHead()],
                        "retrieval " + r + " scores below streaming " + s);
            }
        }
        if (chosen.method().equals("hybrid")) {
            for (HeadSpan r : retrieval) {
                assertTrue(chosen.head(r.layer(), r.kvHead()).isFull(), "hybrid keeps " + r);
            }
        }

        // plan_heads: every KV head of the chosen plan, then of duo, once, as in the plan files
        List<PlanTables.PlanHead> rows =
                ParquetTables.read(PlanTables.HEADS, run.resolve("reports/plan_heads.parquet"));
        assertEquals(2 * total, rows.size(), "chosen and duo, 4 heads each, at one budget length");
        for (AttentionPlan plan : List.of(chosen, duo)) {
            List<PlanTables.PlanHead> mine =
                    rows.stream().filter(r -> r.plan().equals(plan.method())).toList();
            assertEquals(total, mine.size(), plan.method() + " rows");
            Set<String> seen = new HashSet<>();
            for (PlanTables.PlanHead r : mine) {
                assertTrue(seen.add(r.layer() + "/" + r.kvHead()), "twice: " + r);
                HeadSpan h = plan.head(r.layer(), r.kvHead());
                assertEquals(h.kind(), r.kind(), r.toString());
                assertEquals(h.sink(), r.sink(), r.toString());
                assertEquals(h.alpha(), r.alpha(), r.toString());
                assertEquals(h.beta(), r.beta(), r.toString());
                assertEquals(N, r.budgetLength(), r.toString());
                assertEquals(h.isFull() ? 0 : windowByHand(h, N), r.window(), r.toString());
                assertEquals(densityByHand(h, N), r.density(), 1e-12, r.toString());
            }
            assertTrue(
                    mine.stream().mapToDouble(PlanTables.PlanHead::density).average().orElse(1)
                            <= BUDGET + 1e-9,
                    plan.method() + " plan_heads within the budget");
        }

        // plan_front: each front plan at both profiled lengths, one chosen, the lowest validation
        // loss
        List<PlanTables.FrontPoint> front =
                ParquetTables.read(PlanTables.FRONT, run.resolve("reports/plan_front.parquet"));
        assertFalse(front.isEmpty());
        Map<Integer, List<PlanTables.FrontPoint>> byPlan = new TreeMap<>();
        for (var f : front) byPlan.computeIfAbsent(f.index(), k -> new ArrayList<>()).add(f);
        Set<Integer> chosenIndex = new HashSet<>();
        double best = Double.POSITIVE_INFINITY;
        for (var points : byPlan.values()) {
            assertEquals(
                    List.of(32, 48),
                    points.stream().map(PlanTables.FrontPoint::length).sorted().toList());
            for (var f : points) {
                assertTrue(Set.of("moa", "hybrid").contains(f.method()), f.toString());
                assertTrue(f.density() > 0 && f.density() <= 1, f.toString());
                assertEquals(points.get(0).validationLoss(), f.validationLoss(), f.toString());
                if (f.chosen()) chosenIndex.add(f.index());
            }
            best = Math.min(best, points.get(0).validationLoss());
        }
        assertEquals(1, chosenIndex.size(), "one chosen front plan");
        var chosenPoints = byPlan.get(chosenIndex.iterator().next());
        assertTrue(chosenPoints.stream().allMatch(PlanTables.FrontPoint::chosen));
        assertEquals(chosen.method(), chosenPoints.get(0).method());
        assertEquals(best, chosenPoints.get(0).validationLoss(), "the lowest validation loss");
        assertEquals(
                ((Number) chosen.validation().get("loss")).doubleValue(),
                chosenPoints.get(0).validationLoss(),
                1e-12,
                "plan.json's validation loss");

        // the exports: the chosen plan per query head (MoA) and per KV head (DuoAttention)
        var moa = new ObjectMapper().readTree(run.resolve("artifacts/moa_plan.json").toFile());
        List<String> tsv =
                Files.readString(run.resolve("artifacts/full_attention_heads.tsv"))
                        .lines()
                        .toList();
        assertEquals(LAYERS, tsv.size());
        for (int layer = 0; layer < LAYERS; layer++) {
            String[] cells = tsv.get(layer).split("\t");
            assertEquals(KV_HEADS, cells.length);
            for (int q = 0; q < KV_HEADS * GROUP; q++) {
                HeadSpan h = chosen.head(layer, q / GROUP);
                assertEquals(
                        h.isFull() ? 0 : h.alpha(), moa.get("alphas").get(layer).get(q).asDouble());
                assertEquals(
                        h.isFull() ? 1 : h.beta(), moa.get("betas").get(layer).get(q).asDouble());
                assertEquals(h.isFull() ? "1" : "0", cells[q / GROUP], "tsv " + h);
            }
        }

        // evaluate ran each plan: its measured density is the plan's at the prompt length
        List<CaseResult> results =
                ParquetTables.read(EvalTables.RESULTS, run.resolve("reports/eval_results.parquet"));
        assertEquals(
                Set.of("dense", "plan", "duo"),
                results.stream().map(CaseResult::method).collect(Collectors.toSet()));
        for (CaseResult r : results) {
            AttentionPlan plan =
                    switch (r.method()) {
                        case "plan" -> chosen;
                        case "duo" -> duo;
                        default -> null;
                    };
            double expected =
                    plan == null
                            ? 1.0
                            : plan.heads().stream()
                                    .mapToDouble(h -> densityByHand(h, r.promptTokens()))
                                    .average()
                                    .orElse(1);
            assertEquals(expected, r.density(), 1e-9, r.method() + " case density");
        }
        assertTrue(Files.readString(run.resolve("report.html")).contains("Pareto front"));
    }

    private static final int LAYERS = 2, KV_HEADS = 2, GROUP = 2, N = 64, SINK = 2;
    private static final int ALPHA_STEP = 8, ALPHA_MAX = 32, BETA_STEPS = 4, DUO_WINDOW = 8;
    private static final double BUDGET = 0.6;

    private static void assertCoversEveryKvHeadOnce(List<HeadSpan> heads, String what) {
        Set<String> seen = new HashSet<>();
        for (HeadSpan h : heads) {
            assertTrue(h.layer() >= 0 && h.layer() < LAYERS, what + ": " + h);
            assertTrue(h.kvHead() >= 0 && h.kvHead() < KV_HEADS, what + ": " + h);
            assertTrue(seen.add(h.layer() + "/" + h.kvHead()), what + " has twice " + h);
        }
        assertEquals(LAYERS * KV_HEADS, seen.size(), what + " covers every KV head");
    }

    /** round(alpha + beta n), at least 1 and at most n. */
    private static int windowByHand(HeadSpan h, int n) {
        return (int) Math.max(1, Math.min(Math.round(h.alpha() + h.beta() * n), n));
    }

    /** Attended (query, key) pairs over all causal pairs, counted one by one. */
    private static double densityByHand(HeadSpan h, int n) {
        int window = h.isFull() ? n : windowByHand(h, n);
        long attended = 0, causal = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                causal++;
                if (j < h.sink() || i - j < window) attended++;
            }
        }
        return (double) attended / causal;
    }

    /** Per KV head, the best of its query heads' retrieval scores, each averaged over lengths. */
    private static double[][] retrievalScores(List<ProfileRow> profile) {
        Map<String, List<ProfileRow>> byHead = new TreeMap<>();
        for (ProfileRow r : profile) {
            if (r.metric().equals(ProfileRow.RETRIEVAL))
                byHead.computeIfAbsent(r.layer() + "/" + r.head(), k -> new ArrayList<>()).add(r);
        }
        double[][] score = new double[LAYERS][KV_HEADS];
        for (List<ProfileRow> rows : byHead.values()) {
            double mean = rows.stream().mapToDouble(ProfileRow::value).average().orElse(0);
            ProfileRow r = rows.get(0);
            score[r.layer()][r.kvHead()] = Math.max(score[r.layer()][r.kvHead()], mean);
        }
        return score;
    }

    @Test
    void jsonlCalibrationProfilesGivenTokenSequences(@TempDir Path tmp) throws Exception {
        Path model =
                Path.of("../attention/src/test/resources/hf-fixtures/llama_f32_untied_ropeparams")
                        .toAbsolutePath();
        StringBuilder jsonl = new StringBuilder();
        java.util.Random r = new java.util.Random(1);
        for (int line = 0; line < 4; line++) {
            jsonl.append("{\"ids\": [");
            for (int i = 0; i < 80; i++) jsonl.append(i == 0 ? "" : ",").append(3 + r.nextInt(120));
            jsonl.append("]}\n");
        }
        Files.writeString(tmp.resolve("calib.jsonl"), jsonl);
        Path config = tmp.resolve("jsonl.yaml");
        Files.writeString(
                config,
                """
                model: %s
                output: %s
                calibration:
                  source: jsonl
                  jsonl: %s
                  lengths: [32]
                  samples: 2
                stages:
                  - stage: profile
                    block: 8
                    sink: 2
                  - stage: search
                    density_budget: 0.7
                    validation_length: 64
                    validation_samples: 2
                    alpha_step: 8
                    alpha_max: 16
                    beta_steps: 2
                    time_limit_seconds: 5
                    duo_window: 16
                """
                        .formatted(model, tmp.resolve("run"), tmp.resolve("calib.jsonl")));
        assertEquals(0, HeadroomCli.execute("run", config.toString()));
        List<ProfileRow> rows =
                ParquetTables.read(
                        ProfileTables.HEADS, tmp.resolve("run/reports/profile_heads.parquet"));
        assertTrue(rows.stream().allMatch(x -> x.length() == 32));
        assertTrue(
                rows.stream().noneMatch(x -> x.metric().equals(ProfileRow.RETRIEVAL)),
                "no needle in given text");
        assertTrue(
                AttentionPlan.read(tmp.resolve("run/artifacts/plan.json")).density(64)
                        <= 0.7 + 1e-9);
    }
}
