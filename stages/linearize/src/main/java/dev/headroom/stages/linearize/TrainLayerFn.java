package dev.headroom.stages.linearize;

import dev.headroom.attention.linear.HedgehogMaps;
import dev.headroom.attention.linear.LinearHeads;
import dev.headroom.attention.model.ConfigReader;
import dev.headroom.attention.model.ModelConfig;
import dev.headroom.pipeline.api.RunProgress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Distribution;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;

/**
 * Trains one layer's chosen heads ({@link AttentionTransfer}) and writes its maps to {@code
 * parts/layer_L.safetensors}; emits the layer's curve. Layers are independent given the cached
 * activations, so workers take them in parallel (DJL's one gradient collector per JVM serializes
 * their Adam steps within one JVM).
 */
final class TrainLayerFn extends DoFn<Integer, LinearizeLayerRow> {
    private final Counter layers = Metrics.counter(TrainLayerFn.class, "layers_trained");
    private final Distribution steps = Metrics.distribution(TrainLayerFn.class, "adam_steps");
    private final Distribution reduction =
            Metrics.distribution(TrainLayerFn.class, "mse_reduction_x100");
    private final String modelDir, partsDir, progressKey;
    private final List<String> trainFiles, heldOutFiles;
    private final boolean[][] chosen;
    private final LinearizeParams.Training training;

    TrainLayerFn(
            String modelDir,
            String partsDir,
            List<String> trainFiles,
            List<String> heldOutFiles,
            boolean[][] chosen,
            LinearizeParams.Training training,
            String progressKey) {
        this.modelDir = modelDir;
        this.partsDir = partsDir;
        this.trainFiles = List.copyOf(trainFiles);
        this.heldOutFiles = List.copyOf(heldOutFiles);
        this.chosen = chosen;
        this.training = training;
        this.progressKey = progressKey;
    }

    static Path part(Path partsDir, int layer) {
        return partsDir.resolve("layer_" + layer + ".safetensors");
    }

    @ProcessElement
    public void processElement(@Element Integer layer, OutputReceiver<LinearizeLayerRow> out) {
        ModelConfig c = ConfigReader.read(Path.of(modelDir));
        AttentionTransfer.Result r =
                AttentionTransfer.train(
                        layer,
                        c,
                        trainFiles.stream().map(Path::of).toList(),
                        heldOutFiles.stream().map(Path::of).toList(),
                        chosen[layer],
                        training);
        HedgehogMaps[][] maps = new HedgehogMaps[c.numLayers()][c.numKvHeads()];
        maps[layer] = r.maps();
        try {
            new LinearHeads(maps).write(part(Path.of(partsDir), layer));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        r.curve().forEach(out::output);
        layers.inc();
        steps.update(r.steps());
        reduction.update(
                Math.round(
                        100
                                * AttentionTransfer.mean(r.initialMse())
                                / AttentionTransfer.mean(r.finalMse())));
        if (progressKey != null) RunProgress.workDone(progressKey);
    }
}
