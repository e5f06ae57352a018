package dev.headroom.stages.linearize;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.headroom.attention.plan.AttentionPlan;
import dev.headroom.eval.harness.TaskFactory;
import dev.headroom.pipeline.api.ConfigProblems;
import dev.headroom.pipeline.api.ConfigWord;
import dev.headroom.pipeline.api.ModelFacts;
import dev.headroom.pipeline.api.StageParams;
import java.io.Serializable;
import java.util.List;

/**
 * {@code - stage: linearize}: attention transfer of the chosen heads into LoLCATs' hybrid attention
 * (Hedgehog feature maps, exact sink + window, one normalization with a trained gamma), trained
 * layer by layer on the calibration data with q, k, v, o frozen.
 *
 * @param heads which KV heads: all (default), retrieval_below (retrieval score under {@code
 *     retrieval_threshold}), streaming (the windowed heads of {@code plan}), fraction (the {@code
 *     fraction} of heads with the least profiled long-range influence)
 * @param retrievalThreshold for retrieval_below: a KV head's score is its query heads' largest
 * @param plan for streaming: a plan in the run's artifacts (default duo_plan.json)
 * @param fraction for fraction: in (0, 1]
 * @param sink first tokens the exact part keeps (default 4)
 * @param window recent tokens the exact part keeps (default 64)
 * @param featureSize f, the columns of each feature map W (phi has 2f features; default 64)
 * @param steps Adam steps per layer at most (default 300)
 * @param learningRate Adam's step size (default 0.01)
 * @param evalEvery steps between held-out evaluations (default 10)
 * @param patience held-out evaluations without improvement before stopping (default 5)
 * @param heldOutSamples held-out calibration samples per task (default 2), at the longest
 *     calibration length, drawn with another seed
 * @param lengths calibration lengths to train at (default: the calibration section's)
 * @param tasks synthetic calibration tasks to train on (default: the calibration section's); the
 *     fitting and held-out samples are drawn from them, never the evaluate stage's cases
 * @param upstream what a layer trains on: dense (every layer on the dense model's activations, the
 *     layers in parallel) or linearized (default dense; layers in order, each on the activations of
 *     the model whose earlier layers are already as the stage made them)
 * @param gate none (default) or held_out_kl: after a layer is trained, each chosen head keeps its
 *     linear part only where that lowers the model's KL to dense on the held-out calibration
 *     samples against the same head's sink + window alone
 * @param addBos prepend the model's BOS id (default true)
 * @param seed the order samples are visited in (default 0)
 */
public record LinearizeParams(
        HeadChoice heads,
        Double retrievalThreshold,
        String plan,
        Double fraction,
        Integer sink,
        Integer window,
        Integer featureSize,
        Integer steps,
        Double learningRate,
        Integer evalEvery,
        Integer patience,
        Integer heldOutSamples,
        List<Integer> lengths,
        List<String> tasks,
        Upstream upstream,
        Gate gate,
        Boolean addBos,
        Long seed)
        implements StageParams {

    /** {@code upstream:}. */
    public enum Upstream implements ConfigWord {
        DENSE("dense"),
        LINEARIZED("linearized");

        private final String word;

        Upstream(String word) {
            this.word = word;
        }

        @JsonValue
        @Override
        public String word() {
            return word;
        }

        @JsonCreator
        static Upstream fromConfig(Object value) {
            return ConfigWord.parse(Upstream.class, value, "upstream activations");
        }
    }

    /** {@code gate:}. */
    public enum Gate implements ConfigWord {
        NONE("none"),
        HELD_OUT_KL("held_out_kl");

        private final String word;

        Gate(String word) {
            this.word = word;
        }

        @JsonValue
        @Override
        public String word() {
            return word;
        }

        @JsonCreator
        static Gate fromConfig(Object value) {
            return ConfigWord.parse(Gate.class, value, "linear-part gate");
        }
    }

    public Upstream upstreamOrDefault() {
        return upstream == null ? Upstream.DENSE : upstream;
    }

    public Gate gateOrDefault() {
        return gate == null ? Gate.NONE : gate;
    }

    /** {@code heads:}. */
    public enum HeadChoice implements ConfigWord {
        ALL("all"),
        RETRIEVAL_BELOW("retrieval_below"),
        STREAMING("streaming"),
        FRACTION("fraction");

        private final String word;

        HeadChoice(String word) {
            this.word = word;
        }

        @JsonValue
        @Override
        public String word() {
            return word;
        }

        @JsonCreator
        static HeadChoice fromConfig(Object value) {
            return ConfigWord.parse(HeadChoice.class, value, "head choice");
        }
    }

    /** The training settings a layer's worker needs, serializable. */
    record Training(
            int sink,
            int window,
            int featureSize,
            int steps,
            double learningRate,
            int evalEvery,
            int patience,
            long seed)
            implements Serializable {}

    Training training() {
        return new Training(
                sink == null ? 4 : sink,
                window == null ? 64 : window,
                featureSize == null ? 64 : featureSize,
                steps == null ? 300 : steps,
                learningRate == null ? 0.01 : learningRate,
                evalEvery == null ? 10 : evalEvery,
                patience == null ? 5 : patience,
                seed == null ? 0 : seed);
    }

    public HeadChoice headsOrDefault() {
        return heads == null ? HeadChoice.ALL : heads;
    }

    public String planOrDefault() {
        return plan == null ? AttentionPlan.DUO_FILE : plan;
    }

    public int heldOutSamplesOrDefault() {
        return heldOutSamples == null ? 2 : heldOutSamples;
    }

    public boolean addBosOrDefault() {
        return addBos == null || addBos;
    }

    @Override
    public void validate(ConfigProblems p, ModelFacts model) {
        int context = model.config().maxPositions();
        p.range(sink, "sink", 0, context);
        p.range(window, "window", 1, context);
        p.range(featureSize, "feature_size", 1, 4096);
        p.range(steps, "steps", 1, 1_000_000);
        p.range(learningRate, "learning_rate", 1e-6, 10);
        p.range(evalEvery, "eval_every", 1, 1_000_000);
        p.range(patience, "patience", 1, 1_000_000);
        p.range(heldOutSamples, "held_out_samples", 1, 1000);
        if (lengths != null) p.nonEmptyInRange(lengths, "lengths", 2, context);
        if (tasks != null) {
            if (tasks.isEmpty()) p.error("tasks", "must name at least one task");
            for (int i = 0; i < tasks.size(); i++) {
                String t = tasks.get(i);
                if (!TaskFactory.knownTasks().contains(t))
                    p.error(
                            "tasks",
                            i,
                            "unknown task '" + t + "'; known: " + TaskFactory.knownTasks());
                else if (TaskFactory.needsTokenizer(t) && !model.hasTokenizer())
                    p.error("tasks", i, "task '" + t + "' needs a tokenizer.json");
            }
        }
        HeadChoice h = headsOrDefault();
        if (h == HeadChoice.RETRIEVAL_BELOW) p.required(retrievalThreshold, "retrieval_threshold");
        else if (retrievalThreshold != null)
            p.error("retrieval_threshold", "applies to 'heads: retrieval_below' only");
        if (h == HeadChoice.FRACTION) {
            if (p.required(fraction, "fraction")) p.range(fraction, "fraction", 1e-9, 1);
        } else if (fraction != null) p.error("fraction", "applies to 'heads: fraction' only");
        if (h != HeadChoice.STREAMING && plan != null)
            p.error("plan", "applies to 'heads: streaming' only");
        p.artifactName(plan, "plan");
    }
}
