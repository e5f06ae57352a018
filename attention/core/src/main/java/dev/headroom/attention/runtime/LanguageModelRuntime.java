package dev.headroom.attention.runtime;

import dev.headroom.attention.model.ModelConfig;
import dev.headroom.attention.policy.ArtifactResolver;
import dev.headroom.attention.policy.AttentionPolicy;
import java.nio.file.Path;

/**
 * A checkpoint loaded on one backend, ready to run sequences under any attention policy. The
 * boundary is plain Java arrays (token ids in, logits out), so evaluation does not know whether
 * NDArrays, device memory or doubles sit behind it. Implementations: the float64 oracle ({@code
 * NaiveTransformer}), the DJL CPU runtime ({@code LoadedModel}), the CUDA runtime. Thread-safe:
 * sequences are independent; the weights are read-only.
 */
public interface LanguageModelRuntime extends AutoCloseable {

    Backend backend();

    /** The checkpoint directory. */
    Path directory();

    ModelConfig config();

    /**
     * A new, empty sequence whose layers attend as {@code policy} says for a prompt of {@code
     * promptLength} tokens.
     */
    RuntimeSequence open(AttentionPolicy policy, int promptLength, ArtifactResolver artifacts);

    default RuntimeSequence open(AttentionPolicy policy, int promptLength) {
        return open(policy, promptLength, ArtifactResolver.NONE);
    }

    @Override
    void close();
}
