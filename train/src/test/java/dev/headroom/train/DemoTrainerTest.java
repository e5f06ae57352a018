package dev.headroom.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headroom.attention.runtime.LoadedModel;
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
        DemoTrainer.Options o = new DemoTrainer.Options(DemoModelSpec.TINY, 30, 30, 0, 7, 1e-2f, 3, 0.1f, 0.0f, 1.0f,
                1024, 128, 128, 0.1f, 0.3, Map.of(TrainingData.PASSKEY, 1.0), 5, 0, 1, List.of(128));
        DemoTrainer.Result r = new DemoTrainer(o, dir, System.out).train();
        assertTrue(r.lastLoss() < 0.7 * r.firstLoss(), "answer loss " + r.firstLoss() + " -> " + r.lastLoss());
        for (String f : List.of("config.json", "tokenizer.json", "model.safetensors", "training_config.json", "training_log.jsonl")) {
            assertTrue(Files.isRegularFile(dir.resolve(f)), f);
        }
        try (LoadedModel m = LoadedModel.load(dir)) {
            assertTrue(m.tokenizer() != null && m.config().vocabSize() == WordTokenizer.forTasks().vocabSize());
        }
    }
}
