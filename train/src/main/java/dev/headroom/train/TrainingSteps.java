package dev.headroom.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The batches of a {@code train-demo} run, step by step. A batch depends only on the run's seed and
 * the step number, so {@link DemoTrainer} and {@link TrainingSetExport}'s step mode (the data a GPU
 * rehearsal of the run trains on) draw the very same sequences, and steps can be made in parallel.
 */
final class TrainingSteps {
    private final TrainingData data;
    private final TrainingData.Curriculum curriculum;
    private final int steps;
    private final int budgetTokens;
    private final long seed;

    TrainingSteps(
            TrainingData data,
            TrainingData.Curriculum curriculum,
            int steps,
            int budgetTokens,
            long seed) {
        this.data = data;
        this.curriculum = curriculum;
        this.steps = steps;
        this.budgetTokens = budgetTokens;
        this.seed = seed;
    }

    /**
     * Step {@code step}'s sequences: one prompt length, as many sequences as the compute budget
     * allows.
     */
    List<TrainingData.Example> batch(int step) {
        double progress = (double) step / steps;
        Random rng = new Random(seed * 1_000_003L + step);
        int length = curriculum.length(rng, progress);
        int rows = TrainingData.Curriculum.batchSize(length, budgetTokens);
        List<TrainingData.Example> examples = new ArrayList<>(rows);
        for (int b = 0; b < rows; b++) {
            examples.add(
                    data.example(
                            curriculum.task(rng, progress),
                            length,
                            rng.nextDouble(),
                            step * 1000 + b,
                            seed));
        }
        return examples;
    }
}
