package dev.headroom.pipeline.cli;

import dev.headroom.attention.HeadroomException;
import dev.headroom.attention.artifact.ModelArtifact;
import dev.headroom.attention.cache.FullPrecisionKv;
import dev.headroom.attention.checkpoint.Checkpoint;
import dev.headroom.attention.checkpoint.DType;
import dev.headroom.attention.model.ConfigReader;
import dev.headroom.attention.model.ModelConfig;
import dev.headroom.attention.pattern.HeadPattern;
import dev.headroom.attention.plan.AttentionPlan;
import dev.headroom.attention.policy.ArtifactResolver;
import dev.headroom.attention.policy.AttentionPolicy;
import dev.headroom.attention.policy.KvHeadAttention;
import dev.headroom.attention.policy.LayerAttention;
import dev.headroom.attention.policy.LayerContext;
import java.nio.file.Files;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Prints a checkpoint's architecture summary without loading its weights (the header is validated
 * in full).
 */
@Command(
        name = "inspect",
        mixinStandardHelpOptions = true,
        version = HeadroomCli.VERSION,
        description = "Print a model's architecture summary.")
final class InspectCommand implements Callable<Integer> {
    @Mixin ModelOption opt;

    @Option(
            names = "--length",
            paramLabel = "N",
            defaultValue = "0",
            description =
                    "for an exported model: the prompt length its KV bytes are given at (default: the context length, at most 32768)")
    int length;

    @Override
    public Integer call() {
        ModelConfig c = ConfigReader.read(opt.model);
        ModelArtifact artifact =
                ModelArtifact.isArtifact(opt.model) ? ModelArtifact.open(opt.model) : null;
        try (Checkpoint ckpt = Checkpoint.open(opt.model)) {
            DType stored = ckpt.storedDtype();
            long params = c.parameterCount();
            System.out.printf("model            %s%n", opt.model);
            System.out.printf("architecture     %s%n", c.architecture().hfName());
            System.out.printf("layers           %d%n", c.numLayers());
            System.out.printf("query heads      %d%n", c.numHeads());
            System.out.printf(
                    "kv heads         %d (groups of %d)%n", c.numKvHeads(), c.groupSize());
            System.out.printf("head dim         %d%n", c.headDim());
            System.out.printf("hidden / mlp     %d / %d%n", c.hiddenSize(), c.intermediateSize());
            System.out.printf(
                    "vocabulary       %d%s%n",
                    c.vocabSize(),
                    Files.exists(opt.model.resolve("tokenizer.json"))
                            ? " (tokenizer.json)"
                            : " (no tokenizer: token ids)");
            System.out.printf("context length   %d%n", c.maxPositions());
            System.out.printf(
                    "rope             %s, theta %.0f%s%n",
                    c.rope().type(),
                    c.rope().theta(),
                    c.rope().type().equals("default") ? "" : ", factor " + c.rope().factor());
            if (c.slidingWindow() > 0)
                System.out.printf("sliding window   %d%n", c.slidingWindow());
            System.out.printf("dtype            %s%n", stored);
            System.out.printf(
                    "parameters       %,d%s%n",
                    params, c.tieWordEmbeddings() ? " (tied embeddings)" : "");
            System.out.printf(
                    "kv cache / token %,d bytes in %s (%,d in bf16)%n",
                    c.kvBytesPerToken(stored), stored, c.kvBytesPerToken(DType.BF16));
        }
        if (artifact != null) printArtifact(c, artifact);
        return 0;
    }

    /** What an exported model carries, and its KV bytes at one length against dense bf16. */
    private void printArtifact(ModelConfig c, ModelArtifact a) {
        int n = length > 0 ? length : Math.min(c.maxPositions(), 32768);
        if (n > c.maxPositions())
            throw new HeadroomException(
                    "--length " + n + " is beyond the context length " + c.maxPositions());
        AttentionPlan plan = a.plan();
        System.out.printf("exported from    config sha256 %s%n", a.sourceConfigSha256());
        System.out.printf(
                "plan             %s%n",
                plan == null
                        ? "none (dense)"
                        : plan.method()
                                + ", "
                                + plan.heads().stream().filter(h -> !h.isFull()).count()
                                + " of "
                                + plan.heads().size()
                                + " KV heads on sink + window spans");
        AttentionPolicy policy = a.policy("artifact");
        long bytes = 0, dense = 0;
        StringBuilder heads = new StringBuilder();
        for (int l = 0; l < c.numLayers(); l++) {
            LayerAttention la = policy.forLayer(new LayerContext(c, l, n, ArtifactResolver.NONE));
            for (int h = 0; h < la.kvHeads(); h++) {
                KvHeadAttention k = la.head(h);
                bytes += k.format().bytes(k.pattern(), n, c.headDim());
                dense += FullPrecisionKv.BF16.bytes(HeadPattern.full(), n, c.headDim());
                heads.append(
                        String.format(
                                "  layer %d kv head %d: %s, %s%n",
                                l, h, k.pattern(), k.format().name()));
            }
        }
        System.out.printf(
                "linear heads     %s%n",
                a.linear() ? "yes (linear/feature_maps.safetensors)" : "none");
        System.out.print(heads);
        System.out.printf(
                "kv cache at %d   %,d bytes (%,.1f / token) against %,d dense bf16: %.1f%%%n",
                n, bytes, bytes / (double) n, dense, 100.0 * bytes / dense);
    }
}
