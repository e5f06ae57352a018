package dev.headroom.stages.export;

import dev.headroom.attention.artifact.ArtifactManifest;
import dev.headroom.attention.artifact.ModelArtifact;
import dev.headroom.attention.linear.LinearHeads;
import dev.headroom.attention.model.ModelConfig;
import dev.headroom.pipeline.report.ParquetTables;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** The generated README.md of an exported model: what was done, what it measured, how to rerun. */
final class ArtifactReadme {
    private ArtifactReadme() {}

    static String of(
            Path model,
            String planLine,
            LinearHeads linear,
            ModelConfig c,
            String weights,
            Path runDirectory) {
        StringBuilder sb = new StringBuilder();
        sb.append("# ")
                .append(model.toAbsolutePath().normalize().getFileName())
                .append(", exported by headroom\n\n");
        sb.append("This directory is the checkpoint at `")
                .append(model.toAbsolutePath().normalize())
                .append("` with headroom's attention plan applied. headroom applies everything")
                .append(" listed below whenever it loads the directory (`generate`, `logits`,")
                .append(" `inspect`, and the evaluate stage's `method: artifact`); Hugging Face")
                .append(" transformers loads it as the plain model and ignores the `headroom`")
                .append(" block and the `quantization_config` it does not know.\n\n");
        sb.append("## What was done\n\n");
        sb.append("- ").append(planLine).append('\n');
        if (linear != null) {
            int n = 0;
            for (int l = 0; l < c.numLayers(); l++)
                for (int h = 0; h < c.numKvHeads(); h++) if (linear.isLinear(l, h)) n++;
            sb.append("- ")
                    .append(n)
                    .append(" of ")
                    .append(c.numLayers() * c.numKvHeads())
                    .append(" KV heads linearized (hybrid sink + window softmax and Hedgehog")
                    .append(" linear attention): `")
                    .append(ModelArtifact.LINEAR_FILE)
                    .append("`\n");
        }
        sb.append("- weights: ").append(weights.isEmpty() ? "none found" : weights);
        sb.append(" (`" + ArtifactManifest.FILE + "` pins every file's sha256)\n\n");
        Path summary = runDirectory.resolve("reports").resolve(EvalSummaryView.TABLE.fileName());
        if (Files.isRegularFile(summary)) {
            List<EvalSummaryView.Line> lines = ParquetTables.read(EvalSummaryView.TABLE, summary);
            int longest = lines.stream().mapToInt(EvalSummaryView.Line::length).max().orElse(0);
            sb.append("## Measured by the run's evaluate stage, at ")
                    .append(longest)
                    .append(" tokens\n\n");
            sb.append(
                    "| method | task | cases | accuracy | KV cache |\n| --- | --- | --- | --- | --- |\n");
            for (EvalSummaryView.Line l : lines) {
                if (l.length() != longest) continue;
                sb.append(
                        String.format(
                                Locale.ROOT,
                                "| %s | %s | %d | %.3f | %.1f KiB |%n",
                                l.method(),
                                l.task(),
                                l.cases(),
                                l.accuracy(),
                                l.kvBytes() / 1024));
            }
            sb.append('\n');
        }
        Path dir = runDirectory.resolve("artifacts").resolve(ExportStage.DIRECTORY);
        sb.append("## Reproduce\n\n```bash\n");
        sb.append("./runners/headroom run ")
                .append(runDirectory.resolve("artifacts").resolve("config.yaml"))
                .append("   # the run's config, as it ran\n");
        sb.append("./runners/headroom inspect  --model ").append(dir).append('\n');
        sb.append("./runners/headroom generate --model ")
                .append(dir)
                .append(" --prompt \"...\"\n```\n\n");
        sb.append("## Files\n\n| file | what it is |\n| --- | --- |\n");
        sb.append("| `config.json` | the source's config, plus `headroom` (format_version,")
                .append(
                        " source_config_sha256, plan, heads: layer, kv_head, kind, sink, alpha, beta,")
                .append(" bits, linear; kv_quantization; provenance) and, under KV quantization,")
                .append(" `quantization_config.kv_cache_scheme` |\n");
        sb.append("| `*.safetensors` | the weights, unchanged |\n");
        sb.append(
                "| `"
                        + ModelArtifact.PLAN_FILE
                        + "` | the plan: every KV head's span and bits |\n");
        sb.append(
                "| `"
                        + ModelArtifact.KV_QUANT_FILE
                        + "` | quantize_kv's measured sensitivities and applied widths |\n");
        sb.append("| `" + ModelArtifact.LINEAR_FILE + "` | the linearized heads' feature maps |\n");
        sb.append(
                "| `exports/moa_plan.json`, `exports/full_attention_heads.tsv` | the plan for MoA's and DuoAttention's own tools |\n");
        sb.append(
                "| `"
                        + ArtifactManifest.FILE
                        + "` | size and sha256 of every file, checked on load |\n");
        return sb.toString();
    }
}
