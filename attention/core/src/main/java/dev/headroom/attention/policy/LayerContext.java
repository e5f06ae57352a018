package dev.headroom.attention.policy;

import dev.headroom.attention.model.ModelConfig;

/**
 * What a policy knows when it decides how a layer attends for one sequence.
 *
 * @param promptLength the input length N, for spans that scale with it (S = alpha + beta N)
 * @param artifacts where learned weights are found (loaded once per JVM)
 */
public record LayerContext(
        ModelConfig config, int layer, int promptLength, ArtifactResolver artifacts) {}
