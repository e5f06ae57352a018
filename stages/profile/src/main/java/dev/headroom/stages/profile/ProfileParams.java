package dev.headroom.stages.profile;

import dev.headroom.pipeline.api.ConfigProblems;
import dev.headroom.pipeline.api.ModelFacts;
import dev.headroom.pipeline.api.StageParams;

/**
 * {@code - stage: profile}: per-head influence, retrieval scores and attention statistics on the
 * config's {@code calibration} data (tasks × lengths × samples).
 *
 * @param block width b of the key-distance bins influence is summed into (default 64; 16 for small
 *     models)
 * @param sink initial tokens every sparse pattern keeps (default 64); their influence is not
 *     counted
 * @param localDistance d of the "attention mass within distance d" statistic (default 256)
 * @param alignAnswers use the dense model's own greedy answers as targets, MoA's "model alignment"
 *     (default false)
 * @param addBos prepend the model's BOS id (default true)
 * @param lossTemperature the profiled loss is the answer cross-entropy of logits / T (default 1,
 *     MoA's loss); raise it for a model that answers with near certainty, whose gradients otherwise
 *     vanish
 */
public record ProfileParams(
        Integer block,
        Integer sink,
        Integer localDistance,
        Boolean alignAnswers,
        Boolean addBos,
        Double lossTemperature)
        implements StageParams {

    public double lossTemperatureOrDefault() {
        return lossTemperature == null ? 1.0 : lossTemperature;
    }

    public int blockOrDefault() {
        return block == null ? 64 : block;
    }

    public int sinkOrDefault() {
        return sink == null ? 64 : sink;
    }

    public int localDistanceOrDefault() {
        return localDistance == null ? 256 : localDistance;
    }

    public boolean alignAnswersOrDefault() {
        return alignAnswers != null && alignAnswers;
    }

    public boolean addBosOrDefault() {
        return addBos == null || addBos;
    }

    @Override
    public void validate(ConfigProblems p, ModelFacts model) {
        int max = model.config().maxPositions();
        p.range(block, "block", 1, max);
        p.range(sink, "sink", 0, max);
        p.range(localDistance, "local_distance", 1, max);
        p.range(lossTemperature, "loss_temperature", 0.01, 1000);
    }
}
