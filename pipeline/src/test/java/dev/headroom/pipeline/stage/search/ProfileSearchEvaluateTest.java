package dev.headroom.pipeline.stage.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headroom.attention.plan.AttentionPlan;
import dev.headroom.pipeline.cli.HeadroomCli;
import dev.headroom.pipeline.report.ParquetTables;
import dev.headroom.plan.profile.ProfileRow;
import dev.headroom.stages.search.PlanTables;
import dev.headroom.stages.shared.ProfileTables;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
                    duo_window: 16
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
        AttentionPlan moa = AttentionPlan.read(run.resolve("artifacts/plan.json"));
        AttentionPlan duo = AttentionPlan.read(run.resolve("artifacts/duo_plan.json"));
        assertEquals(4, moa.heads().size(), "2 layers x 2 KV heads");
        assertTrue(moa.density(64) <= 0.6 + 1e-9, "MoA plan within budget: " + moa.density(64));
        assertTrue(duo.density(64) <= 0.6 + 1e-9, "duo plan within budget: " + duo.density(64));
        assertTrue(moa.validation().containsKey("loss"));
        assertTrue(
                Files.readString(run.resolve("artifacts/full_attention_heads.tsv")).lines().count()
                        == 2);
        assertTrue(
                Files.readString(run.resolve("artifacts/moa_plan.json"))
                        .startsWith("{\"alphas\":[["));
        List<ProfileRow> rows =
                ParquetTables.read(
                        ProfileTables.HEADS, run.resolve("reports/profile_heads.parquet"));
        assertTrue(rows.stream().anyMatch(r -> r.metric().equals(ProfileRow.RETRIEVAL)));
        assertEquals(
                2 * 4,
                ParquetTables.read(PlanTables.HEADS, run.resolve("reports/plan_heads.parquet"))
                        .size(),
                "moa and duo, 4 heads each, at the one budget length");
        assertTrue(Files.readString(run.resolve("report.html")).contains("Pareto front"));
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
