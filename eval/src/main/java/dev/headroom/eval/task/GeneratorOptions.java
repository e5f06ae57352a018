package dev.headroom.eval.task;

import java.io.Serializable;
import java.util.Objects;

/**
 * Options shared by the generators.
 *
 * @param split which keys and numbers to draw (TRAIN / HELD_OUT are disjoint)
 * @param fillerJitter in [0, 1): each case fills only a random fraction in [1 - jitter, 1] of the
 *     room left for filler, so the number of filler sentences varies between cases of the same
 *     target length (0 = always fill to the target)
 * @param maxNewTokens tokens to generate per case; 0 = the task's default
 */
public record GeneratorOptions(Split split, double fillerJitter, int maxNewTokens)
        implements Serializable {

    public static final GeneratorOptions DEFAULT = new GeneratorOptions(Split.ANY, 0.0, 0);

    public GeneratorOptions {
        Objects.requireNonNull(split, "split");
        if (!(fillerJitter >= 0.0 && fillerJitter < 1.0)) {
            throw new IllegalArgumentException("fillerJitter must be in [0, 1): " + fillerJitter);
        }
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("maxNewTokens must be >= 0: " + maxNewTokens);
        }
    }

    public GeneratorOptions withSplit(Split newSplit) {
        return new GeneratorOptions(newSplit, fillerJitter, maxNewTokens);
    }

    public GeneratorOptions withFillerJitter(double jitter) {
        return new GeneratorOptions(split, jitter, maxNewTokens);
    }

    public GeneratorOptions withMaxNewTokens(int tokens) {
        return new GeneratorOptions(split, fillerJitter, tokens);
    }

    int maxNewTokensOr(int taskDefault) {
        return maxNewTokens > 0 ? maxNewTokens : taskDefault;
    }

    /** The fraction of the filler room a case uses, drawn from the case's stream. */
    double drawFillFraction(java.util.Random rng) {
        double u = rng.nextDouble();
        return 1.0 - u * fillerJitter;
    }
}
