package dev.headroom.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.headroom.attention.checkpoint.Checkpoint;
import dev.headroom.attention.checkpoint.SafetensorsWriter;
import dev.headroom.attention.model.ConfigReader;
import dev.headroom.attention.model.ModelConfig;
import dev.headroom.attention.cpu.Weights;
import dev.headroom.attention.cpu.LoadedModel;
import java.util.LinkedHashMap;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoTrainerTest {

    /** A few steps of a tiny model on short passkey prompts: the answer loss must fall, and the output must load. */
    @Test
    void lossFallsAndTheCheckpointLoadsInTheRuntime(@TempDir Path dir) throws Exception {
        DemoTrainer.Options o = new DemoTrainer.Options(DemoModelSpec.TINY, 30, 0, 30, 0, 7, 1e-2f, 3, 0.1f, 0.0f, 1.0f,
                1024, 128, 128, 0.1f, 0.3, Map.of(TrainingData.PASSKEY, 1.0), 5, 0, 1, List.of(128), null,
                new DemoTrainer.LocalLayers(0.5, List.of(0), 2, 8));   // half the steps with layer 0 local
        DemoTrainer.Result r = new DemoTrainer(o, dir, System.out).train();
        assertTrue(r.lastLoss() < 0.7 * r.firstLoss(), "answer loss " + r.firstLoss() + " -> " + r.lastLoss());

        // fine-tuning from that checkpoint starts where it ended, not from random weights
        Path tuned = dir.resolve("tuned");
        DemoTrainer.Options again = new DemoTrainer.Options(DemoModelSpec.TINY, 2, 0, 2, 0, 7, 1e-5f, 1, 0.5f, 0.0f, 1.0f,
                1024, 128, 128, 0.1f, 0.3, Map.of(TrainingData.PASSKEY, 1.0), 1, 0, 1, List.of(128), dir, DemoTrainer.LocalLayers.OFF);
        DemoTrainer.Result t = new DemoTrainer(again, tuned, System.out).train();
        assertTrue(t.firstLoss() < 0.7 * r.firstLoss(), "fine-tuning started at " + t.firstLoss() + ", random weights at " + r.firstLoss());
        for (String f : List.of("config.json", "tokenizer.json", "model.safetensors", "training_config.json", "training_log.jsonl")) {
            assertTrue(Files.isRegularFile(dir.resolve(f)), f);
        }
        try (LoadedModel m = LoadedModel.load(dir)) {
            assertTrue(m.tokenizer() != null && m.config().vocabSize() == WordTokenizer.forTasks().vocabSize());
        }
    }

    /** A resumed run continues the step count and the schedule from its start step. */
    @Test
    void resumesFromAStartStep(@TempDir Path dir) throws Exception {
        DemoTrainer.Options first = new DemoTrainer.Options(DemoModelSpec.TINY, 12, 0, 6, 0, 7, 1e-2f, 2, 0.1f, 0.0f, 1.0f,
                1024, 128, 128, 0.1f, 0.3, Map.of(TrainingData.PASSKEY, 1.0), 2, 0, 1, List.of(128), null, DemoTrainer.LocalLayers.OFF);
        assertEquals(6, new DemoTrainer(first, dir, System.out).train().steps());
        Path resumed = dir.resolve("resumed");
        DemoTrainer.Options rest = new DemoTrainer.Options(DemoModelSpec.TINY, 12, 6, 12, 0, 7, 1e-2f, 2, 0.1f, 0.0f, 1.0f,
                1024, 128, 128, 0.1f, 0.3, Map.of(TrainingData.PASSKEY, 1.0), 2, 0, 1, List.of(128), dir, DemoTrainer.LocalLayers.OFF);
        assertEquals(12, new DemoTrainer(rest, resumed, System.out).train().steps());
        List<String> log = Files.readAllLines(resumed.resolve("training_log.jsonl"));
        assertTrue(log.get(0).startsWith("{\"step\":8,"), log.get(0));   // steps 7 and 8, logged every 2
        assertTrue(log.get(0).contains("\"skipped_steps\":0"), log.get(0));
    }

    /** A NaN in one weight makes every loss NaN: each update is skipped and logged, and no weight moves. */
    @Test
    void skipsUpdatesWhoseLossOrGradientIsNotFinite(@TempDir Path dir) throws Exception {
        DemoTrainer.Options make = new DemoTrainer.Options(DemoModelSpec.TINY, 1, 0, 1, 0, 7, 1e-2f, 1, 0.1f, 0.0f, 1.0f,
                1024, 128, 128, 0.1f, 0.3, Map.of(TrainingData.PASSKEY, 1.0), 1, 0, 1, List.of(128), null, DemoTrainer.LocalLayers.OFF);
        new DemoTrainer(make, dir, System.out).train();
        Map<String, float[]> before = tensors(dir);
        before.get("model.norm.weight")[0] = Float.NaN;
        Map<String, SafetensorsWriter.Tensor> poisoned = new LinkedHashMap<>();
        try (NDManager m = NDManager.newBaseManager("PyTorch"); Checkpoint c = Checkpoint.open(dir);
             Weights w = Weights.load(c, ConfigReader.read(dir).withStoredDtype(c.storedDtype()), m)) {
            for (Map.Entry<String, NDArray> e : w.named().entrySet()) {
                poisoned.put(e.getKey(), new SafetensorsWriter.Tensor(before.get(e.getKey()), e.getValue().getShape().getShape()));
            }
        }
        SafetensorsWriter.write(dir.resolve("model.safetensors"), poisoned);

        Path out = dir.resolve("out");
        DemoTrainer.Options run = new DemoTrainer.Options(DemoModelSpec.TINY, 3, 0, 3, 0, 7, 1e-2f, 1, 0.1f, 0.0f, 1.0f,
                1024, 128, 128, 0.1f, 0.3, Map.of(TrainingData.PASSKEY, 1.0), 1, 0, 1, List.of(128), dir, DemoTrainer.LocalLayers.OFF);
        assertEquals(3, new DemoTrainer(run, out, System.out).train().steps());
        List<String> log = Files.readAllLines(out.resolve("training_log.jsonl"));
        assertEquals(3, log.stream().filter(l -> l.contains("\"skipped_update\":true") && l.contains("model.norm.weight")).count(), String.join("\n", log));
        Map<String, float[]> after = tensors(out);
        for (Map.Entry<String, float[]> e : before.entrySet()) {
            assertTrue(java.util.Arrays.equals(e.getValue(), after.get(e.getKey())), e.getKey() + " changed");
        }
    }

    private static Map<String, float[]> tensors(Path dir) {
        Map<String, float[]> out = new LinkedHashMap<>();
        try (NDManager m = NDManager.newBaseManager("PyTorch"); Checkpoint c = Checkpoint.open(dir);
             Weights w = Weights.load(c, ConfigReader.read(dir).withStoredDtype(c.storedDtype()), m)) {
            for (Map.Entry<String, NDArray> e : w.named().entrySet()) out.put(e.getKey(), e.getValue().toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray());
        }
        return out;
    }
}
