package dev.headroom.attention.artifact;

import com.fasterxml.jackson.databind.JsonNode;
import dev.headroom.attention.HeadroomException;
import dev.headroom.attention.plan.AttentionPlan;
import dev.headroom.attention.plan.HeadroomPlanReader;
import dev.headroom.attention.plan.ModelIdentity;
import dev.headroom.attention.policy.AttentionPolicy;
import dev.headroom.attention.policy.DensePolicy;
import dev.headroom.attention.policy.LinearHeadsPolicy;
import dev.headroom.attention.policy.PlanPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An exported model directory, as the export stage writes it: the checkpoint's files, a {@code
 * config.json} with a {@code headroom} block, the plan ({@code headroom_plan.json}, its heads'
 * spans and KV bits), the linearized heads' feature maps ({@code linear/feature_maps.safetensors})
 * when the run made them, and {@code manifest.json}. Opening one checks the manifest and that the
 * plan was made for the model it sits beside, and gives the policy that applies all of it.
 *
 * @param directory the artifact directory
 * @param sourceConfigSha256 the sha256 of the source checkpoint's config.json: the model's identity
 * @param plan the plan, or null when the export carries none (dense spans)
 * @param linear whether linearized heads' feature maps are present
 * @param provenance one entry per run that contributed, oldest first
 */
public record ModelArtifact(
        Path directory,
        String sourceConfigSha256,
        AttentionPlan plan,
        boolean linear,
        List<JsonNode> provenance) {
    public static final int FORMAT_VERSION = 1;
    public static final String BLOCK = "headroom",
            PLAN_FILE = "headroom_plan.json",
            KV_QUANT_FILE = "kv_quant.json",
            LINEAR_FILE = "linear/feature_maps.safetensors";

    /** The {@code headroom} block of a directory's config.json, or null when it has none. */
    public static JsonNode block(Path dir) {
        return ModelIdentity.headroomBlock(dir);
    }

    /** Whether {@code dir} is an exported headroom model (its config.json has the block). */
    public static boolean isArtifact(Path dir) {
        return block(dir) != null;
    }

    /** Opens and checks an artifact; every problem is one line naming the file. */
    public static ModelArtifact open(Path dir) {
        dir = dir.toAbsolutePath().normalize();
        JsonNode b = block(dir);
        Path config = dir.resolve("config.json");
        if (b == null)
            throw new HeadroomException(
                    config + ": no '" + BLOCK + "' block; not an exported model");
        if (b.path("format_version").asInt(-1) != FORMAT_VERSION)
            throw new HeadroomException(
                    config
                            + ": "
                            + BLOCK
                            + ".format_version "
                            + b.path("format_version")
                            + " is not "
                            + FORMAT_VERSION);
        ArtifactManifest.verify(dir);
        String source = b.path("source_config_sha256").asText("");
        if (source.length() != 64)
            throw new HeadroomException(
                    config + ": " + BLOCK + ".source_config_sha256 must be a sha256");
        AttentionPlan plan = null;
        Path planFile = dir.resolve(PLAN_FILE);
        if (Files.isRegularFile(planFile)) {
            plan = HeadroomPlanReader.read(planFile);
            String made = plan.modelConfigHash();
            if (!made.isEmpty() && !made.equals(source))
                throw new HeadroomException(
                        planFile
                                + ": made for another model (config sha256 "
                                + made.substring(0, 12)
                                + "..., this artifact's model is "
                                + source.substring(0, 12)
                                + "...)");
        }
        boolean linear = Files.isRegularFile(dir.resolve(LINEAR_FILE));
        if (b.path("linear_heads").asBoolean(false) && !linear)
            throw new HeadroomException(dir.resolve(LINEAR_FILE) + ": missing");
        List<JsonNode> provenance = new ArrayList<>();
        b.path("provenance").forEach(provenance::add);
        return new ModelArtifact(dir, source, plan, linear, List.copyOf(provenance));
    }

    /**
     * Refuses an artifact made for another model than the one at {@code modelSha256} (a config
     * hash, {@link ModelIdentity#configHash}).
     */
    public void checkModel(String modelSha256, Path modelDir) {
        if (!sourceConfigSha256.equals(modelSha256))
            throw new HeadroomException(
                    directory.resolve("config.json")
                            + ": exported from another model (config sha256 "
                            + sourceConfigSha256.substring(0, 12)
                            + "...) than "
                            + modelDir
                            + " ("
                            + modelSha256.substring(0, 12)
                            + "...)");
    }

    /**
     * The policy that applies the artifact: the plan's spans and KV formats (dense without a plan),
     * the linearized heads over them, with the artifact's own files whoever runs it.
     */
    public AttentionPolicy policy(String name) {
        AttentionPolicy p = plan == null ? new DensePolicy() : new PlanPolicy(plan, name);
        if (linear) p = new LinearHeadsPolicy(p, null, true, name);
        return new ArtifactPolicy(p, directory.toString(), name);
    }
}
