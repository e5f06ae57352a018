package dev.headroom.stages.search;

import dev.headroom.pipeline.api.ConfigProblems;
import dev.headroom.pipeline.api.ModelFacts;
import dev.headroom.pipeline.api.StageParams;
import java.util.List;

/**
 * {@code - stage: search}: per-KV-head spans S(N) = alpha + beta N under a mean-density budget
 * (MoA), and the DuoAttention split at the same budget. Reads the profile stage's table; sink and
 * bin width come from it.
 *
 * @param densityBudget mean density over KV heads allowed at each budget length (default 0.35)
 * @param budgetLengths lengths the budget applies at (default: the validation length)
 * @param alphaStep alpha grid step in tokens (default 64; MoA uses 1024 for 7B models)
 * @param alphaMax largest alpha (default 4 steps)
 * @param betaSteps beta in {0, 1/steps, ..., 1} (default 8)
 * @param maxSpansPerLayer at most this many distinct (alpha, beta) per layer (default: no limit)
 * @param timeLimitSeconds solver time limit per solve (default 20)
 * @param validationLength held-out length for choosing among the Pareto front; longer than any
 *     profiled
 * @param validationSamples held-out samples per calibration task (default 4)
 * @param duoWindow streaming heads' recent window in tokens for the duo plan (default 256)
 * @param retrievalWeight lambda of the retrieval term added to MoA's predicted loss (default 0: MoA
 *     alone)
 * @param validationObjective how a plan's held-out answer losses are summarized to rank the front:
 *     {@code worst} (default: the largest per-sample loss, so a plan that loses the needle at one
 *     depth ranks below one that keeps it everywhere) or {@code mean}
 * @param kvBytesBudget with it, the search also picks one (span, width) per KV head under a KV byte
 *     budget: this fraction of the dense bf16 KV bytes at each budget length (real bytes: codes,
 *     scales and bf16 regions). Needs a quantize_kv stage before it, whose measured sensitivities
 *     price the widths. Writes kv_plan.json and the spans-only plan at the same budget,
 *     spans_same_bytes_plan.json
 * @param kvBytesPerToken the same budget given as bytes per token of the budget length
 * @param kvBitsWeight weight of the measured width sensitivity against the profiled span loss
 *     (default 1)
 */
public record SearchParams(
        Double densityBudget,
        List<Integer> budgetLengths,
        Integer alphaStep,
        Integer alphaMax,
        Integer betaSteps,
        Integer maxSpansPerLayer,
        Double timeLimitSeconds,
        Integer validationLength,
        Integer validationSamples,
        Integer duoWindow,
        Double retrievalWeight,
        String validationObjective,
        Double kvBytesBudget,
        Double kvBytesPerToken,
        Double kvBitsWeight)
        implements StageParams {

    /** Whether the joint span and bits search runs. */
    public boolean hasKvBudget() {
        return kvBytesBudget != null || kvBytesPerToken != null;
    }

    public double kvBitsWeightOrDefault() {
        return kvBitsWeight == null ? 1.0 : kvBitsWeight;
    }

    public static final String WORST = "worst", MEAN = "mean";

    public boolean validateByWorstSample() {
        return validationObjective == null || validationObjective.equals(WORST);
    }

    public double retrievalWeightOrDefault() {
        return retrievalWeight == null ? 0.0 : retrievalWeight;
    }

    public double densityBudgetOrDefault() {
        return densityBudget == null ? 0.35 : densityBudget;
    }

    public int alphaStepOrDefault() {
        return alphaStep == null ? 64 : alphaStep;
    }

    public int alphaMaxOrDefault() {
        return alphaMax == null ? 4 * alphaStepOrDefault() : alphaMax;
    }

    public int betaStepsOrDefault() {
        return betaSteps == null ? 8 : betaSteps;
    }

    public int maxSpansPerLayerOrDefault() {
        return maxSpansPerLayer == null ? Integer.MAX_VALUE : maxSpansPerLayer;
    }

    public double timeLimitOrDefault() {
        return timeLimitSeconds == null ? 20 : timeLimitSeconds;
    }

    public int validationSamplesOrDefault() {
        return validationSamples == null ? 4 : validationSamples;
    }

    public int duoWindowOrDefault() {
        return duoWindow == null ? 256 : duoWindow;
    }

    @Override
    public void validate(ConfigProblems p, ModelFacts model) {
        int max = model.config().maxPositions();
        if (densityBudget != null && !(densityBudget > 0 && densityBudget <= 1)) {
            p.error("density_budget", densityBudget + " is out of range (0, 1]");
        }
        if (budgetLengths != null) p.nonEmptyInRange(budgetLengths, "budget_lengths", 2, max);
        p.range(alphaStep, "alpha_step", 1, max);
        p.range(alphaMax, "alpha_max", 1, max);
        p.range(betaSteps, "beta_steps", 1, 64);
        p.range(maxSpansPerLayer, "max_spans_per_layer", 1, 10_000);
        p.range(timeLimitSeconds, "time_limit_seconds", 0.1, 3600);
        p.required(validationLength, "validation_length");
        p.range(validationLength, "validation_length", 2, max);
        p.range(validationSamples, "validation_samples", 1, 10_000);
        p.range(duoWindow, "duo_window", 1, max);
        p.range(retrievalWeight, "retrieval_weight", 0, 1000);
        if (kvBytesBudget != null && !(kvBytesBudget > 0 && kvBytesBudget <= 1))
            p.error("kv_bytes_budget", kvBytesBudget + " is out of range (0, 1]");
        p.range(kvBytesPerToken, "kv_bytes_per_token", 1, 1e12);
        p.range(kvBitsWeight, "kv_bits_weight", 0, 1e6);
        if (kvBytesBudget != null && kvBytesPerToken != null)
            p.error(
                    "kv_bytes_per_token",
                    "give either kv_bytes_budget or kv_bytes_per_token, not both");
        if (hasKvBudget()
                && !p.context().earlierOutputs().contains("artifacts/kv_quant.json")
                && (p.context().runDirectory() == null
                        || !java.nio.file.Files.isRegularFile(
                                p.context().runDirectory().resolve("artifacts/kv_quant.json")))) {
            p.error(
                    kvBytesBudget != null ? "kv_bytes_budget" : "kv_bytes_per_token",
                    "a KV byte budget prices each head's widths by quantize_kv's sensitivities;"
                            + " put '- stage: quantize_kv' before this search");
        }
        if (validationObjective != null && !List.of(WORST, MEAN).contains(validationObjective)) {
            p.error(
                    "validation_objective",
                    "'" + validationObjective + "' is not one of " + WORST + ", " + MEAN);
        }
    }
}
