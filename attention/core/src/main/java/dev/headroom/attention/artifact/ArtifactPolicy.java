package dev.headroom.attention.artifact;

import dev.headroom.attention.policy.ArtifactResolver;
import dev.headroom.attention.policy.AttentionPolicy;
import dev.headroom.attention.policy.LayerAttention;
import dev.headroom.attention.policy.LayerContext;
import java.nio.file.Path;

/**
 * A policy whose learned files come from an exported model directory rather than the caller's run
 * directory: {@code artifacts/linear/...} as a run names it is {@code linear/...} there.
 */
final class ArtifactPolicy implements AttentionPolicy {
    private final AttentionPolicy inner;
    private final String directory; // a String: policies travel inside grid elements
    private final String name;

    ArtifactPolicy(AttentionPolicy inner, String directory, String name) {
        this.inner = inner;
        this.directory = directory;
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    /** The policy the artifact's files describe. */
    AttentionPolicy inner() {
        return inner;
    }

    @Override
    public LayerAttention forLayer(LayerContext context) {
        ArtifactResolver files = ArtifactResolver.under(Path.of(directory), "artifacts/");
        return inner.forLayer(
                new LayerContext(context.config(), context.layer(), context.promptLength(), files));
    }
}
