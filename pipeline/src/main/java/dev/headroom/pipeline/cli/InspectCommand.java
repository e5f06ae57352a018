package dev.headroom.pipeline.cli;

import dev.headroom.attention.checkpoint.Checkpoint;
import dev.headroom.attention.checkpoint.DType;
import dev.headroom.attention.model.ConfigReader;
import dev.headroom.attention.model.ModelConfig;
import java.nio.file.Files;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

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

    @Override
    public Integer call() {
        ModelConfig c = ConfigReader.read(opt.model);
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
        return 0;
    }
}
