package dev.headroom.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * DemoTrainer.Options by name: each setter fills its own field, and the defaults are the committed
 * run's recipe.
 */
class DemoTrainerOptionsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Path committedConfig() {
        return Path.of(System.getProperty("headroom.repo.root", ".."))
                .resolve("models/demo/training_config.json");
    }

    @Test
    void everySetterFillsItsOwnField() {
        Path init = Path.of("some/checkpoint");
        DemoTrainer.LocalLayers local = new DemoTrainer.LocalLayers(0.25, List.of(1), 3, 9);
        DemoTrainer.Options named =
                DemoTrainer.Options.builder(40)
                        .spec(DemoModelSpec.TINY)
                        .startStep(2)
                        .stopAfter(33)
                        .maxMinutes(1.5)
                        .seed(99)
                        .learningRate(3e-4f)
                        .warmupSteps(4)
                        .finalLearningRateFraction(0.2f)
                        .weightDecay(0.05f)
                        .clipNorm(2.5f)
                        .budgetTokens(512)
                        .minLength(64)
                        .maxLength(384)
                        .lmWeight(0.3f)
                        .fillerJitter(0.1)
                        .taskShares(Map.of(TrainingData.COPY, 1.0))
                        .logEvery(7)
                        .evalEvery(11)
                        .evalSamples(5)
                        .evalLengths(List.of(256))
                        .init(init)
                        .local(local)
                        .build();
        DemoTrainer.Options positional =
                new DemoTrainer.Options(
                        DemoModelSpec.TINY,
                        40,
                        2,
                        33,
                        1.5,
                        99,
                        3e-4f,
                        4,
                        0.2f,
                        0.05f,
                        2.5f,
                        512,
                        64,
                        384,
                        0.3f,
                        0.1,
                        Map.of(TrainingData.COPY, 1.0),
                        7,
                        11,
                        5,
                        List.of(256),
                        init,
                        local);
        assertEquals(positional, named);
    }

    @Test
    void theDefaultsAreTheRecipeAndFollowTheStepCount() {
        DemoTrainer.Options d = DemoTrainer.Options.demo(8000);
        assertEquals(
                new DemoTrainer.Options(
                        DemoModelSpec.DEMO,
                        8000,
                        0,
                        8000,
                        0,
                        1234,
                        1e-3f,
                        30,
                        0.1f,
                        0.01f,
                        1.0f,
                        4096,
                        128,
                        2048,
                        0.1f,
                        0.3,
                        TrainingData.Curriculum.defaultShares(),
                        10,
                        1000,
                        2,
                        List.of(512, 1024, 2048),
                        null,
                        DemoTrainer.LocalLayers.DEMO),
                d);
        assertEquals(d, DemoTrainer.Options.builder(8000).build());
        // warm-up: a tenth of the steps, between 1 and 30; the run stops at the last step unless
        // told otherwise
        assertEquals(1, DemoTrainer.Options.builder(5).build().warmupSteps());
        assertEquals(12, DemoTrainer.Options.builder(120).build().warmupSteps());
        assertEquals(30, DemoTrainer.Options.builder(900).build().warmupSteps());
        assertEquals(120, DemoTrainer.Options.builder(120).build().stopAfter());
    }

    /**
     * The committed run's training_config.json, byte for byte, is what the recipe writes and what
     * train-demo's defaults write (that run set only --threads 2 and --max-minutes 118).
     */
    @Test
    void theRecipeAndTrainDemoDefaultsAreTheCommittedRun() throws Exception {
        Path committed = committedConfig();
        assumeTrue(Files.isRegularFile(committed), "no committed demo model at " + committed);
        String expected = Files.readString(committed);
        assertEquals(
                expected, asWritten(DemoTrainer.Options.builder(8000).maxMinutes(118).build()));

        TrainDemoCommand cmd = new TrainDemoCommand();
        new CommandLine(cmd)
                .parseArgs("--out", "runs/demo32", "--threads", "2", "--max-minutes", "118");
        assertEquals(expected, asWritten(cmd.options()));
    }

    /** As DemoTrainer writes training_config.json. */
    private static String asWritten(DemoTrainer.Options o) throws Exception {
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(JSON.valueToTree(o));
    }
}
