package dev.headroom.train;

import dev.headroom.attention.HeadroomException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code headroom train-demo}: trains the bundled demo model (models/demo) from scratch on the CPU.
 * The defaults reproduce the committed model; see models/demo/README.md for the command that made
 * it.
 */
@Command(
        name = "train-demo",
        mixinStandardHelpOptions = true,
        description =
                "Train the bundled demo model (a small Llama with GQA) on synthetic long-context tasks, on the CPU.")
public final class TrainDemoCommand implements Callable<Integer> {
    @Option(
            names = "--out",
            required = true,
            paramLabel = "DIR",
            description =
                    "output directory: config.json, tokenizer.json, model.safetensors, training_config.json, training_log.jsonl")
    Path out;

    @Option(
            names = "--steps",
            defaultValue = "8000",
            description =
                    "optimizer steps; the cosine schedule spans them (default: ${DEFAULT-VALUE})")
    int steps;

    @Option(
            names = "--stop-after",
            defaultValue = "0",
            description =
                    "stop after this many steps, 0 = --steps (the schedule still spans --steps)")
    int stopAfter;

    @Option(
            names = "--start-step",
            defaultValue = "0",
            description =
                    "resume a run at this step from its checkpoint (--init): schedule, data and local steps continue from there")
    int startStep;

    @Option(
            names = "--max-minutes",
            defaultValue = "0",
            description =
                    "stop early after this many minutes, 0 = no limit (default: ${DEFAULT-VALUE})")
    double maxMinutes;

    @Option(
            names = "--seed",
            defaultValue = "1234",
            description = "seed of the weights and the data (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(
            names = "--threads",
            defaultValue = "0",
            description =
                    "PyTorch intra-op threads, 0 = PyTorch's default (default: ${DEFAULT-VALUE})")
    int threads;

    @Option(
            names = "--lr",
            defaultValue = "1e-3",
            description = "peak learning rate (default: ${DEFAULT-VALUE})")
    float learningRate;

    @Option(
            names = "--budget-tokens",
            defaultValue = "4096",
            description =
                    "compute per step, in tokens of length-1024 sequences (default: ${DEFAULT-VALUE})")
    int budgetTokens;

    @Option(
            names = "--max-length",
            defaultValue = "2048",
            description = "longest training prompt (default: ${DEFAULT-VALUE})")
    int maxLength;

    @Option(
            names = "--eval-every",
            defaultValue = "1000",
            description =
                    "steps between held-out evaluations and checkpoints (default: ${DEFAULT-VALUE})")
    int evalEvery;

    @Option(
            names = "--init",
            paramLabel = "DIR",
            description =
                    "start from this checkpoint's weights (fine-tuning) instead of random ones")
    Path init;

    @Option(
            names = "--local-prob",
            defaultValue = "0.5",
            description =
                    "share of steps in which --local-layers attend only to --local-sink + --local-window tokens (default: ${DEFAULT-VALUE})")
    double localProb;

    @Option(
            names = "--local-layers",
            split = ",",
            defaultValue = "0,1",
            description = "layers made local in those steps (default: ${DEFAULT-VALUE})")
    List<Integer> localLayers;

    @Option(
            names = "--local-sink",
            defaultValue = "4",
            description = "sink tokens of a local layer (default: ${DEFAULT-VALUE})")
    int localSink;

    @Option(
            names = "--local-window",
            defaultValue = "16",
            description = "recent tokens of a local layer (default: ${DEFAULT-VALUE})")
    int localWindow;

    @Option(
            names = "--shares",
            paramLabel = "TASK=SHARE,...",
            description =
                    "task shares of the curriculum, e.g. passkey=0.3,niah_single=0.25,copy=0.15 (default: the built-in mix)")
    String shares;

    @Option(names = "--tiny", description = "a tiny model, for trying the command out")
    boolean tiny;

    @Override
    public Integer call() throws Exception {
        if (threads < 0) throw new HeadroomException("--threads must be 0 or more, got " + threads);
        setThreads(threads);
        DemoTrainer.Options o = options();
        DemoTrainer.Result r = new DemoTrainer(o, out, System.out).train();
        System.out.printf(
                "trained %d steps in %.1f min; answer loss %.3f -> %.3f; model in %s%n",
                r.steps(), r.seconds() / 60, r.firstLoss(), r.lastLoss(), out);
        return 0;
    }

    /**
     * The run the options describe: the bundled model's recipe with the given flags in place of its
     * settings.
     */
    DemoTrainer.Options options() {
        if (steps < 1) throw new HeadroomException("--steps must be at least 1, got " + steps);
        if (maxLength < 256)
            throw new HeadroomException("--max-length must be at least 256, got " + maxLength);
        if (localProb < 0 || localProb > 1)
            throw new HeadroomException("--local-prob must be in [0, 1], got " + localProb);
        if (localSink < 0 || localWindow < 1)
            throw new HeadroomException("--local-sink must be >= 0 and --local-window >= 1");
        DemoModelSpec spec = tiny ? DemoModelSpec.TINY : DemoModelSpec.DEMO;
        if (maxLength > spec.maxPositions())
            throw new HeadroomException(
                    "--max-length "
                            + maxLength
                            + " exceeds the model's "
                            + spec.maxPositions()
                            + " positions");
        if (startStep < 0 || startStep >= steps)
            throw new HeadroomException("--start-step must be in [0, --steps), got " + startStep);
        if (startStep > 0 && init == null)
            throw new HeadroomException("--start-step needs --init: the checkpoint to resume from");
        for (int l : localLayers) {
            if (l < 0 || l >= spec.numLayers())
                throw new HeadroomException(
                        "--local-layers: layer "
                                + l
                                + " is outside the model's "
                                + spec.numLayers());
        }
        DemoTrainer.Options.Builder b =
                DemoTrainer.Options.builder(steps)
                        .spec(spec)
                        .startStep(startStep)
                        .stopAfter(stopAfter > 0 ? stopAfter : steps)
                        .maxMinutes(maxMinutes)
                        .seed(seed)
                        .learningRate(learningRate)
                        .budgetTokens(budgetTokens)
                        .maxLength(maxLength)
                        .evalEvery(evalEvery)
                        .evalLengths(List.of(512, 1024, maxLength))
                        .init(init)
                        .local(
                                new DemoTrainer.LocalLayers(
                                        localProb, localLayers, localSink, localWindow));
        if (shares != null) b.taskShares(TrainingData.Curriculum.parseShares(shares));
        return b.build();
    }

    /**
     * PyTorch reads its thread counts once, when the engine starts: call before any NDManager
     * exists.
     */
    static void setThreads(int threads) {
        if (threads > 0) {
            System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(threads));
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        }
    }
}
