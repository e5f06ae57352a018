package dev.headroom.stages.evaluate.methods;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.headroom.attention.model.ModelConfig;
import dev.headroom.attention.plan.AttentionPlan;
import dev.headroom.attention.plan.ModelIdentity;
import dev.headroom.attention.plan.PlanFiles;
import dev.headroom.attention.policy.AttentionPolicy;
import dev.headroom.attention.policy.DensePolicy;
import dev.headroom.attention.policy.LinearHeadsPolicy;
import dev.headroom.attention.policy.PlanPolicy;
import dev.headroom.pipeline.api.ConfigProblems;
import dev.headroom.pipeline.api.ConfigWord;
import dev.headroom.pipeline.api.EvalMethod;
import dev.headroom.pipeline.api.MethodDefinition;
import dev.headroom.pipeline.api.MethodSpec;
import dev.headroom.pipeline.api.ModelFacts;
import dev.headroom.pipeline.api.StageContext;
import java.nio.file.Path;

/**
 * {@code - method: linear}: the linearize stage's heads as hybrid attention (exact sink + window,
 * linear attention with the trained feature maps before it; {@code
 * artifacts/linear/feature_maps.safetensors}).
 *
 * <ul>
 *   <li>{@code heads: all} (label {@code linear-all}): every head the stage trained, the rest
 *       dense.
 *   <li>{@code heads: streaming} (label {@code linear-streaming}): the streaming (windowed) heads
 *       of {@code plan} (default {@code duo_plan.json}) linearized, its retrieval heads full; with
 *       {@code retrieval_plan: kv_plan.json} (label {@code linear-streaming-kv}) the retrieval
 *       heads attend and store as that plan says (the joint span and bits plan).
 * </ul>
 *
 * {@code linear_part: false} keeps the same heads' sink + window alone, without the linear state:
 * the baseline that shows what the linear part adds (labels {@code window-all}, {@code
 * window-streaming}).
 *
 * @param label report label
 * @param heads which heads are linear: all (default) or streaming
 * @param plan the plan whose windowed heads are the streaming heads (an artifact name)
 * @param retrievalPlan the plan the other heads follow (an artifact name; default {@code plan})
 * @param linearPart false: sink + window only
 * @param layers only the chosen heads of these layers (default every layer); the others attend as
 *     the plan (or, with {@code heads: all}, dense) says
 */
public record LinearMethod(
        String label,
        Heads heads,
        String plan,
        String retrievalPlan,
        Boolean linearPart,
        java.util.List<Integer> layers)
        implements MethodSpec {
    public static final String NAME = "linear";

    /** {@code heads:}. */
    public enum Heads implements ConfigWord {
        ALL("all"),
        STREAMING("streaming");

        private final String word;

        Heads(String word) {
            this.word = word;
        }

        @JsonValue
        @Override
        public String word() {
            return word;
        }

        @JsonCreator
        static Heads fromConfig(Object value) {
            return ConfigWord.parse(Heads.class, value, "linear head choice");
        }
    }

    public Heads headsOrDefault() {
        return heads == null ? Heads.ALL : heads;
    }

    public String planOrDefault() {
        return plan == null ? AttentionPlan.DUO_FILE : plan;
    }

    public boolean linearPartOrDefault() {
        return linearPart == null || linearPart;
    }

    @Override
    public String label() {
        if (label != null) return label;
        String base = (linearPartOrDefault() ? "linear-" : "window-") + headsOrDefault().word();
        if (layers != null)
            base += "-l" + String.join("", layers.stream().map(String::valueOf).toList());
        if (retrievalPlan == null) return base;
        return base + (retrievalPlan.equals("kv_plan.json") ? "-kv" : "-" + stem(retrievalPlan));
    }

    private static String stem(String artifact) {
        return artifact.replaceFirst("\\.(json|tsv)$", "").replaceFirst("_plan$", "");
    }

    @Override
    public void validate(ConfigProblems problems, ModelFacts model) {
        if (label != null) problems.check(!label.isBlank(), "label", "must not be blank");
        if (headsOrDefault() == Heads.ALL && (plan != null || retrievalPlan != null))
            problems.error(
                    plan != null ? "plan" : "retrieval_plan",
                    "applies to 'heads: streaming' only (with 'heads: all' every trained head is linear)");
        if (layers != null)
            problems.nonEmptyInRange(layers, "layers", 0, model.config().numLayers() - 1);
        problems.artifactName(plan, "plan");
        problems.artifactName(retrievalPlan, "retrieval_plan");
    }

    private boolean inLayers(int layer) {
        return layers == null || layers.contains(layer);
    }

    @Override
    public EvalMethod resolve(StageContext context) {
        ModelConfig c = context.model().config();
        boolean[][] chosen = new boolean[c.numLayers()][c.numKvHeads()];
        if (headsOrDefault() == Heads.ALL) {
            if (layers == null)
                return new EvalMethod(
                        label(),
                        new LinearHeadsPolicy(
                                new DensePolicy(), null, linearPartOrDefault(), label()));
            for (int l = 0; l < c.numLayers(); l++) java.util.Arrays.fill(chosen[l], inLayers(l));
            return new EvalMethod(
                    label(),
                    new LinearHeadsPolicy(
                            new DensePolicy(), chosen, linearPartOrDefault(), label()));
        }
        AttentionPlan streaming = read(context, planOrDefault());
        for (int l = 0; l < c.numLayers(); l++)
            for (int h = 0; h < c.numKvHeads(); h++)
                chosen[l][h] = inLayers(l) && !streaming.head(l, h).isFull();
        AttentionPlan others = retrievalPlan == null ? streaming : read(context, retrievalPlan);
        AttentionPolicy base = new PlanPolicy(others, label());
        return new EvalMethod(
                label(), new LinearHeadsPolicy(base, chosen, linearPartOrDefault(), label()));
    }

    private static AttentionPlan read(StageContext context, String artifact) {
        Path path = context.artifacts().resolve(artifact);
        return PlanFiles.readFor(
                        path,
                        context.model().config(),
                        ModelIdentity.configHash(context.model().directory()),
                        PlanFiles.Defaults.DUO_ATTENTION)
                .plan();
    }

    /** Registers {@code linear}. */
    public static final class Definition implements MethodDefinition {
        @Override
        public String name() {
            return NAME;
        }

        @Override
        public Class<? extends MethodSpec> specType() {
            return LinearMethod.class;
        }
    }
}
