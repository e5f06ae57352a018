package dev.headroom.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.headroom.attention.checkpoint.Checkpoint;
import dev.headroom.attention.checkpoint.SafetensorsWriter;
import dev.headroom.attention.cpu.LoadedModel;
import dev.headroom.attention.cpu.Weights;
import dev.headroom.attention.model.ConfigReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoTrainerTest {

    /**
     * A few steps of a tiny model on short passkey prompts: the answer loss must fall, and the
     * output must load.
     */
    @Test
    void lossFallsAndTheCheckpointLoadsInTheRuntime(@TempDir Path dir) throws Exception {
        DemoTrainer.Options o =
                tinyPasskey(30)
                        .warmupSteps(3)
                        .logEvery(5)
                        .local(
                                new DemoTrainer.LocalLayers(
                                        0.5, List.of(0), 2, 8)) // half the steps with layer 0 local
                        .build();
        DemoTrainer.Result r = new DemoTrainer(o, dir, System.out).train();
        assertTrue(
                r.lastLoss() < 0.7 * r.firstLoss(),
                "answer loss " + r.firstLoss() + " -> " + r.lastLoss());

        // fine-tuning from that checkpoint starts where it ended, not from random weights
        Path tuned = dir.resolve("tuned");
        DemoTrainer.Options again =
                tinyPasskey(2)
                        .learningRate(1e-5f)
                        .finalLearningRateFraction(0.5f)
                        .init(dir)
                        .build();
        DemoTrainer.Result t = new DemoTrainer(again, tuned, System.out).train();
        assertTrue(
                t.firstLoss() < 0.7 * r.firstLoss(),
                "fine-tuning started at " + t.firstLoss() + ", random weights at " + r.firstLoss());
        for (String f :
                List.of(
                        "config.json",
                        "tokenizer.json",
                        "model.safetensors",
                        "training_config.json",
                        "training_log.jsonl")) {
            assertTrue(Files.isRegularFile(dir.resolve(f)), f);
        }
        try (LoadedModel m = LoadedModel.load(dir)) {
            assertTrue(
                    m.tokenizer() != null
                            && m.config().vocabSize() == WordTokenizer.forTasks().vocabSize());
        }
    }

    /** A resumed run continues the step count and the schedule from its start step. */
    @Test
    void resumesFromAStartStep(@TempDir Path dir) throws Exception {
        DemoTrainer.Options first = tinyPasskey(12).stopAfter(6).warmupSteps(2).logEvery(2).build();
        assertEquals(6, new DemoTrainer(first, dir, System.out).train().steps());
        Path resumed = dir.resolve("resumed");
        DemoTrainer.Options rest =
                tinyPasskey(12).startStep(6).warmupSteps(2).logEvery(2).init(dir).build();
        assertEquals(12, new DemoTrainer(rest, resumed, System.out).train().steps());
        List<String> log = Files.readAllLines(resumed.resolve("training_log.jsonl"));
        assertTrue(
                log.get(0).startsWith("{\"step\":8,"), log.get(0)); // steps 7 and 8, logged every 2
        assertTrue(log.get(0).contains("\"skipped_steps\":0"), log.get(0));
    }

    /**
     * A NaN in one weight makes every loss NaN: each update is skipped and logged, and no weight
     * moves.
     */
    @Test
    void skipsUpdatesWhoseLossOrGradientIsNotFinite(@TempDir Path dir) throws Exception {
        DemoTrainer.Options make = tinyPasskey(1).build();
        new DemoTrainer(make, dir, System.out).train();
        Map<String, float[]> before = tensors(dir);
        before.get("model.norm.weight")[0] = Float.NaN;
        Map<String, SafetensorsWriter.Tensor> poisoned = new LinkedHashMap<>();
        try (NDManager m = NDManager.newBaseManager("PyTorch");
                Checkpoint c = Checkpoint.open(dir);
                Weights w =
                        Weights.load(
                                c, ConfigReader.read(dir).withStoredDtype(c.storedDtype()), m)) {
            for (Map.Entry<String, NDArray> e : w.named().entrySet()) {
                poisoned.put(
                        e.getKey(),
                        new SafetensorsWriter.Tensor(
                                before.get(e.getKey()), e.getValue().getShape().getShape()));
            }
        }
        SafetensorsWriter.write(dir.resolve("model.safetensors"), poisoned);

        Path out = dir.resolve("out");
        DemoTrainer.Options run = tinyPasskey(3).init(dir).build();
        assertEquals(3, new DemoTrainer(run, out, System.out).train().steps());
        List<String> log = Files.readAllLines(out.resolve("training_log.jsonl"));
        assertEquals(
                3,
                log.stream()
                        .filter(
                                l ->
                                        l.contains("\"skipped_update\":true")
                                                && l.contains("model.norm.weight"))
                        .count(),
                String.join("\n", log));
        Map<String, float[]> after = tensors(out);
        for (Map.Entry<String, float[]> e : before.entrySet()) {
            assertTrue(
                    java.util.Arrays.equals(e.getValue(), after.get(e.getKey())),
                    e.getKey() + " changed");
        }
    }

    /**
     * The tiny model on 128-token passkey prompts, fully dense: lr 1e-2, no weight decay, a
     * 1024-token budget, one warm-up step, a log line every step, one held-out case at the end.
     */
    static DemoTrainer.Options.Builder tinyPasskey(int steps) {
        return DemoTrainer.Options.builder(steps)
                .spec(DemoModelSpec.TINY)
                .seed(7)
                .learningRate(1e-2f)
                .warmupSteps(1)
                .weightDecay(0.0f)
                .budgetTokens(1024)
                .maxLength(128)
                .taskShares(Map.of(TrainingData.PASSKEY, 1.0))
                .logEvery(1)
                .evalEvery(0)
                .evalSamples(1)
                .evalLengths(List.of(128))
                .local(DemoTrainer.LocalLayers.OFF);
    }

    private static Map<String, float[]> tensors(Path dir) {
        Map<String, float[]> out = new LinkedHashMap<>();
        try (NDManager m = NDManager.newBaseManager("PyTorch");
                Checkpoint c = Checkpoint.open(dir);
                Weights w =
                        Weights.load(
                                c, ConfigReader.read(dir).withStoredDtype(c.storedDtype()), m)) {
            for (Map.Entry<String, NDArray> e : w.named().entrySet())
                out.put(
                        e.getKey(),
                        e.getValue()
                                .toType(ai.djl.ndarray.types.DataType.FLOAT32, false)
                                .toFloatArray());
        }
        return out;
    }
}
