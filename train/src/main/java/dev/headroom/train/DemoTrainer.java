package dev.headroom.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.headroom.attention.AtomicFiles;
import dev.headroom.attention.HeadroomException;
import dev.headroom.attention.checkpoint.Checkpoint;
import dev.headroom.attention.checkpoint.SafetensorsWriter;
import dev.headroom.attention.cpu.AttentionObserver;
import dev.headroom.attention.cpu.InferenceState;
import dev.headroom.attention.cpu.Transformer;
import dev.headroom.attention.cpu.Weights;
import dev.headroom.attention.model.ConfigReader;
import dev.headroom.attention.model.ModelConfig;
import dev.headroom.attention.plan.AttentionPlan;
import dev.headroom.attention.plan.HeadSpan;
import dev.headroom.attention.policy.AttentionPolicy;
import dev.headroom.attention.policy.DensePolicy;
import dev.headroom.attention.policy.PlanPolicy;
import dev.headroom.eval.task.Split;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Trains the demo model from scratch on the CPU: the runtime's own {@link Transformer} forward pass
 * with gradients attached to the {@link Weights}, DJL's AdamW under a warm-up plus cosine schedule,
 * and data made on the fly by {@link TrainingData}. Writes into the output directory, each file
 * atomically (temporary name, then rename): config.json, tokenizer.json, training_config.json at
 * the start; model.safetensors at every evaluation and at the end; training_log.jsonl (one JSON
 * object per logged step or evaluation) as it goes.
 */
public final class DemoTrainer {

    /**
     * Everything a run depends on; written to training_config.json. {@code steps} sets the
     * schedule, {@code startStep} where it resumes (weights from {@code init}; the schedule, the
     * data and the local-step draws continue from there, the optimizer's moments start afresh under
     * a 30-step re-warm-up), {@code stopAfter} where the run stops (to repeat a run that a time
     * budget cut short), {@code maxMinutes} a wall-clock budget (0 = none). Build one by name with
     * {@link #builder(int)}.
     */
    public record Options(
            DemoModelSpec spec,
            int steps,
            int startStep,
            int stopAfter,
            double maxMinutes,
            long seed,
            float learningRate,
            int warmupSteps,
            float finalLearningRateFraction,
            float weightDecay,
            float clipNorm,
            int budgetTokens,
            int minLength,
            int maxLength,
            float lmWeight,
            double fillerJitter,
            Map<String, Double> taskShares,
            int logEvery,
            int evalEvery,
            int evalSamples,
            List<Integer> evalLengths,
            Path init,
            LocalLayers local) {

        /** The bundled model's recipe over {@code steps} steps: {@code builder(steps).build()}. */
        public static Options demo(int steps) {
            return builder(steps).build();
        }

        /**
         * A builder holding the bundled model's recipe over {@code steps} steps; set any field by
         * name.
         */
        public static Builder builder(int steps) {
            return new Builder(steps);
        }

        /**
         * Options by name. Every field starts at the bundled model's recipe ({@link #demo(int)});
         * {@code stopAfter} defaults to {@code steps} and {@code warmupSteps} to a tenth of the
         * steps, at least 1 and at most 30.
         */
        public static final class Builder {
            private final int steps;
            private DemoModelSpec spec = DemoModelSpec.DEMO;
            private int startStep = 0;
            private Integer stopAfter;
            private double maxMinutes = 0;
            private long seed = 1234;
            private float learningRate = 1e-3f;
            private Integer warmupSteps;
            private float finalLearningRateFraction = 0.1f;
            private float weightDecay = 0.01f;
            private float clipNorm = 1.0f;
            private int budgetTokens = 4096;
            private int minLength = 128;
            private int maxLength = 2048;
            private float lmWeight = 0.1f;
            private double fillerJitter = 0.3;
            private Map<String, Double> taskShares = TrainingData.Curriculum.defaultShares();
            private int logEvery = 10;
            private int evalEvery = 1000;
            private int evalSamples = 2;
            private List<Integer> evalLengths = List.of(512, 1024, 2048);
            private Path init;
            private LocalLayers local = LocalLayers.DEMO;

            private Builder(int steps) {
                this.steps = steps;
            }

            public Builder spec(DemoModelSpec v) {
                spec = v;
                return this;
            }

            public Builder startStep(int v) {
                startStep = v;
                return this;
            }

            public Builder stopAfter(int v) {
                stopAfter = v;
                return this;
            }

            public Builder maxMinutes(double v) {
                maxMinutes = v;
                return this;
            }

            public Builder seed(long v) {
                seed = v;
                return this;
            }

            public Builder learningRate(float v) {
                learningRate = v;
                return this;
            }

            public Builder warmupSteps(int v) {
                warmupSteps = v;
                return this;
            }

            public Builder finalLearningRateFraction(float v) {
                finalLearningRateFraction = v;
                return this;
            }

            public Builder weightDecay(float v) {
                weightDecay = v;
                return this;
            }

            public Builder clipNorm(float v) {
                clipNorm = v;
                return this;
            }

            public Builder budgetTokens(int v) {
                budgetTokens = v;
                return this;
            }

            public Builder minLength(int v) {
                minLength = v;
                return this;
            }

            public Builder maxLength(int v) {
                maxLength = v;
                return this;
            }

            public Builder lmWeight(float v) {
                lmWeight = v;
                return this;
            }

            public Builder fillerJitter(double v) {
                fillerJitter = v;
                return this;
            }

            public Builder taskShares(Map<String, Double> v) {
                taskShares = v;
                return this;
            }

            public Builder logEvery(int v) {
                logEvery = v;
                return this;
            }

            public Builder evalEvery(int v) {
                evalEvery = v;
                return this;
            }

            public Builder evalSamples(int v) {
                evalSamples = v;
                return this;
            }

            public Builder evalLengths(List<Integer> v) {
                evalLengths = v;
                return this;
            }

            public Builder init(Path v) {
                init = v;
                return this;
            }

            public Builder local(LocalLayers v) {
                local = v;
                return this;
            }

            public Options build() {
                return new Options(
                        spec,
                        steps,
                        startStep,
                        stopAfter != null ? stopAfter : steps,
                        maxMinutes,
                        seed,
                        learningRate,
                        warmupSteps != null ? warmupSteps : Math.max(1, Math.min(30, steps / 10)),
                        finalLearningRateFraction,
                        weightDecay,
                        clipNorm,
                        budgetTokens,
                        minLength,
                        maxLength,
                        lmWeight,
                        fillerJitter,
                        taskShares,
                        logEvery,
                        evalEvery,
                        evalSamples,
                        evalLengths,
                        init,
                        local);
            }
        }
    }

    /**
     * Stochastic local layers: in a share {@code probability} of the steps (drawn at random) the
     * listed layers attend only to {@code sink} first tokens plus the {@code window} most recent,
     * so that the model learns to do without their long range and keeps it in the other layers
     * (what makes its retrieval heads few, as in large models). The model stays a plain Llama:
     * evaluation and export use full attention.
     */
    public record LocalLayers(double probability, List<Integer> layers, int sink, int window) {
        public static final LocalLayers OFF = new LocalLayers(0, List.of(), 0, 0);

        /** The bundled model's: layers 0 and 1 go sink 4 + window 16 in half of the steps. */
        public static final LocalLayers DEMO = new LocalLayers(0.5, List.of(0, 1), 4, 16);

        /** The attention of a local step: the listed layers' KV heads windowed, the others full. */
        AttentionPolicy policy(ModelConfig c) {
            List<HeadSpan> heads = new ArrayList<>();
            for (int l = 0; l < c.numLayers(); l++) {
                for (int h = 0; h < c.numKvHeads(); h++) {
                    heads.add(
                            layers.contains(l)
                                    ? new HeadSpan(l, h, "window", sink, window, 0)
                                    : new HeadSpan(l, h, "full", 0, 0, 1));
                }
            }
            return new PlanPolicy(
                    new AttentionPlan(
                            "local-layers", "", 1.0, List.of(), heads, Map.of(), Map.of()),
                    "local-layers");
        }
    }

    /** The outcome: the loss of the answer tokens at the first and last logged steps. */
    public record Result(int steps, double firstLoss, double lastLoss, double seconds) {}

    /** Steps over which the learning rate comes back after a resume (fresh optimizer moments). */
    static final int RESUME_WARMUP = 30;

    private final Options o;
    private final Path outDir;
    private final PrintStream console;
    private final WordTokenizer tokenizer = WordTokenizer.forTasks();
    private final ObjectMapper json = new ObjectMapper();
    private NDManager inputs; // where each step's input arrays are made (an NDScope frees them)

    public DemoTrainer(Options options, Path outDir, PrintStream console) {
        this.o = options;
        this.outDir = outDir;
        this.console = console;
    }

    public Result train() throws IOException {
        Files.createDirectories(outDir);
        tokenizer.write(outDir.resolve("tokenizer.json"));
        o.spec().writeConfig(outDir, tokenizer.vocabSize());
        writeJson(outDir.resolve("training_config.json"), json.valueToTree(o));
        Path logFile = outDir.resolve("training_log.jsonl");
        Files.deleteIfExists(logFile);
        ModelConfig config = ConfigReader.read(outDir);

        TrainingData train = new TrainingData(tokenizer, Split.TRAIN, o.fillerJitter());
        TrainingData heldOut = new TrainingData(tokenizer, Split.HELD_OUT, 0.0);
        TrainingData.Curriculum curriculum =
                new TrainingData.Curriculum(o.minLength(), o.maxLength(), o.taskShares());
        TrainingSteps batches =
                new TrainingSteps(train, curriculum, o.steps(), o.budgetTokens(), o.seed());

        try (NDManager root = NDManager.newBaseManager("PyTorch");
                Weights weights = initialWeights(config, root);
                Writer log =
                        Files.newBufferedWriter(
                                logFile,
                                StandardCharsets.UTF_8,
                                StandardOpenOption.CREATE,
                                StandardOpenOption.APPEND)) {
            inputs = root;
            Map<String, NDArray> params = weights.named();
            for (NDArray p : params.values()) p.setRequiresGradient(true);
            Transformer model = new Transformer(config, weights);
            AttentionPolicy localPolicy =
                    o.local().probability() > 0 ? o.local().policy(config) : null;
            Random localRng = new Random(o.seed() + 17);
            for (int i = 0; i < o.startStep(); i++) localRng.nextDouble();
            int decaySteps = Math.max(1, o.steps() - o.warmupSteps());
            Tracker schedule =
                    Tracker.warmUp()
                            .optWarmUpBeginValue(0f)
                            .optWarmUpSteps(o.warmupSteps())
                            .setMainTracker(
                                    Tracker.cosine()
                                            .setBaseValue(o.learningRate())
                                            .optFinalValue(
                                                    o.learningRate()
                                                            * o.finalLearningRateFraction())
                                            .setMaxUpdates(decaySteps)
                                            .build())
                            .build();
            Tracker resumed =
                    o.startStep() == 0
                            ? schedule
                            : n ->
                                    schedule.getNewValue(n + o.startStep())
                                            * Math.min(1f, n / (float) RESUME_WARMUP);
            Optimizer adamW =
                    Optimizer.adamW()
                            .optLearningRateTracker(resumed)
                            .optWeightDecays(o.weightDecay())
                            .optBeta1(0.9f)
                            .optBeta2(0.95f)
                            .build();

            long start = System.nanoTime();
            double firstLoss = Double.NaN, lastLoss = Double.NaN;
            double sumLoss = 0, sumAnswer = 0, sumCorrect = 0, sumAnswerTokens = 0;
            int sinceLog = 0, step = o.startStep(), skipped = 0;
            Map<String, double[]> taskTokens = new LinkedHashMap<>();
            for (; step < Math.min(o.steps(), o.stopAfter()); step++) {
                if (o.maxMinutes() > 0 && (System.nanoTime() - start) / 60e9 > o.maxMinutes()) {
                    console.printf(
                            "time budget of %.1f min reached at step %d%n", o.maxMinutes(), step);
                    break;
                }
                List<TrainingData.Example> examples = batches.batch(step);
                int length = examples.get(0).length(), batch = examples.size();
                boolean local =
                        localPolicy != null && localRng.nextDouble() < o.local().probability();
                StepStats s = trainStep(model, examples, local ? localPolicy : new DensePolicy(4));
                double gradNorm = gradientNorm(params);
                if (!Double.isFinite(s.loss) || !Double.isFinite(gradNorm)) {
                    // a non-finite loss or gradient would poison the weights and Adam's moments:
                    // skip the update
                    String where = nonFiniteGradients(params);
                    zeroGradients(params);
                    skipped++;
                    console.printf(
                            "step %d (length %d, %d rows, %s): loss %s, non-finite gradients in [%s]; update skipped (%d so far)%n",
                            step + 1,
                            length,
                            batch,
                            local ? "local" : "dense",
                            s.loss,
                            where,
                            skipped);
                    ObjectNode rec =
                            json.createObjectNode()
                                    .put("step", step + 1)
                                    .put("skipped_update", true)
                                    .put("length", length)
                                    .put("batch", batch)
                                    .put("local", local)
                                    .put("loss", String.valueOf(s.loss))
                                    .put("non_finite_gradients", where);
                    log.write(rec + "\n");
                    log.flush();
                    continue;
                }
                clipAndUpdate(params, adamW, gradNorm);
                sumLoss += s.loss;
                sumAnswer += s.answerLoss;
                sumCorrect += s.answerCorrect;
                sumAnswerTokens += s.answerTokens;
                s.byTask.forEach(
                        (task, t) -> {
                            double[] acc = taskTokens.computeIfAbsent(task, k -> new double[2]);
                            acc[0] += t[0];
                            acc[1] += t[1];
                        });
                sinceLog++;
                if (Double.isNaN(firstLoss)) firstLoss = s.answerLoss;
                lastLoss = s.answerLoss;
                if ((step + 1) % o.logEvery() == 0 || step + 1 == o.steps()) {
                    ObjectNode rec = json.createObjectNode();
                    rec.put("step", step + 1)
                            .put("seconds", Math.round((System.nanoTime() - start) / 1e8) / 10.0)
                            .put("lr", schedule.getNewValue(step))
                            .put("loss", sumLoss / sinceLog)
                            .put("answer_loss", sumAnswer / sinceLog)
                            .put("answer_token_acc", sumCorrect / Math.max(1, sumAnswerTokens))
                            .put("length", length)
                            .put("batch", batch)
                            .put("grad_norm", gradNorm)
                            .put("skipped_steps", skipped);
                    ObjectNode perTask = rec.putObject("answer_token_acc_by_task");
                    taskTokens.forEach(
                            (task, t) ->
                                    perTask.put(task, Math.round(1000 * t[0] / t[1]) / 1000.0));
                    taskTokens.clear();
                    log.write(rec + "\n");
                    log.flush();
                    console.println(rec);
                    sumLoss = sumAnswer = sumCorrect = sumAnswerTokens = 0;
                    sinceLog = 0;
                }
                if (o.evalEvery() > 0 && (step + 1) % o.evalEvery() == 0 && step + 1 < o.steps()) {
                    evaluateAndSave(model, weights, heldOut, step + 1, start, log);
                }
            }
            evaluateAndSave(model, weights, heldOut, step, start, log);
            return new Result(step, firstLoss, lastLoss, (System.nanoTime() - start) / 1e9);
        }
    }

    /**
     * Loss of one batch: cross-entropy of the answer tokens, plus lmWeight times that of all other
     * tokens.
     */
    private record StepStats(
            double loss,
            double answerLoss,
            double answerCorrect,
            double answerTokens,
            Map<String, double[]> byTask) {}

    /**
     * Random weights, or a copy of {@code init}'s (fine-tuning); either way arrays the optimizer
     * may update.
     */
    private Weights initialWeights(ModelConfig config, NDManager root) {
        Weights fresh = Weights.random(config, root, o.seed(), 0.02);
        if (o.init() == null) return fresh;
        ModelConfig initConfig = ConfigReader.read(o.init());
        try (Checkpoint ckpt = Checkpoint.open(o.init());
                Weights start =
                        Weights.load(ckpt, initConfig.withStoredDtype(ckpt.storedDtype()), root)) {
            Map<String, NDArray> from = start.named();
            for (Map.Entry<String, NDArray> e : fresh.named().entrySet()) {
                NDArray src = from.get(e.getKey());
                if (src == null || !src.getShape().equals(e.getValue().getShape())) {
                    throw new HeadroomException(
                            o.init()
                                    + ": tensor "
                                    + e.getKey()
                                    + " is missing or shaped "
                                    + (src == null ? "-" : src.getShape())
                                    + ", the model to train needs "
                                    + e.getValue().getShape());
                }
                e.getValue().set(src.toType(e.getValue().getDataType(), false).toFloatArray());
            }
        }
        return fresh;
    }

    private StepStats trainStep(
            Transformer model, List<TrainingData.Example> examples, AttentionPolicy policy) {
        Batch b = Batch.of(examples, o.lmWeight());
        try (NDScope scope = new NDScope();
                GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector();
                InferenceState state = new InferenceState(model.config(), policy, b.width)) {
            NDManager m = inputs;
            NDArray ids = m.create(b.input, new Shape(b.rows, b.width));
            NDArray logits = model.forward(ids, state, AttentionObserver.NONE, false); // [B, T, V]
            NDArray logp = logits.logSoftmax(-1);
            NDArray targets = m.create(b.target, new Shape(b.rows, b.width, 1));
            NDArray picked = logp.gather(targets, -1).reshape(b.rows, b.width); // [B, T]
            NDArray weights = m.create(b.weight, new Shape(b.rows, b.width));
            NDArray loss = picked.mul(weights).sum().neg();
            collector.backward(loss);
            float[] nll = picked.neg().toFloatArray();
            long[] argmax = logits.argMax(-1).toLongArray();
            double answerLoss = 0, correct = 0;
            int answerTokens = 0;
            Map<String, double[]> byTask =
                    new LinkedHashMap<>(); // task -> {right tokens, answer tokens}
            for (int i = 0; i < nll.length; i++) {
                if (!b.answer[i]) continue;
                answerLoss +=
                        nll[i] * b.weight[i]; // the per-sequence mean, averaged over sequences
                answerTokens++;
                boolean right = argmax[i] == b.target[i];
                if (right) correct++;
                double[] t =
                        byTask.computeIfAbsent(
                                examples.get(i / b.width).task(), k -> new double[2]);
                t[0] += right ? 1 : 0;
                t[1]++;
            }
            return new StepStats(loss.getFloat(), answerLoss, correct, answerTokens, byTask);
        }
    }

    /** The global norm of the gradients. */
    private static double gradientNorm(Map<String, NDArray> params) {
        double sq = 0;
        try (NDScope scope = new NDScope()) {
            for (NDArray p : params.values()) sq += p.getGradient().square().sum().getFloat();
        }
        return Math.sqrt(sq);
    }

    /** The tensors whose gradient holds a NaN or an infinity (what a skipped step reports). */
    private static String nonFiniteGradients(Map<String, NDArray> params) {
        List<String> names = new ArrayList<>();
        try (NDScope scope = new NDScope()) {
            for (Map.Entry<String, NDArray> e : params.entrySet()) {
                NDArray g = e.getValue().getGradient();
                if (g.isNaN().any().getBoolean() || g.isInfinite().any().getBoolean())
                    names.add(e.getKey());
            }
        }
        return String.join(", ", names);
    }

    private static void zeroGradients(Map<String, NDArray> params) {
        for (NDArray p : params.values()) {
            NDArray g = p.getGradient();
            g.set(new float[Math.toIntExact(g.size())]); // not g - g or g * 0: both keep a NaN
        }
    }

    /**
     * Scales the gradients to a global norm of at most clipNorm, steps AdamW, and zeroes the
     * gradients.
     */
    private void clipAndUpdate(Map<String, NDArray> params, Optimizer adamW, double norm) {
        if (o.clipNorm() > 0 && norm > o.clipNorm()) {
            for (NDArray p : params.values()) p.getGradient().muli((float) (o.clipNorm() / norm));
        }
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            NDArray g = e.getValue().getGradient();
            adamW.update(e.getKey(), e.getValue(), g);
            g.subi(g);
        }
    }

    /**
     * Right-padded rows of equal width; padding has weight 0 and, being last, is never attended to.
     */
    static final class Batch {
        final int rows, width;
        final long[] input, target;
        final float[] weight;
        final boolean[] answer;

        private Batch(int rows, int width) {
            this.rows = rows;
            this.width = width;
            this.input = new long[rows * width];
            this.target = new long[rows * width];
            this.weight = new float[rows * width];
            this.answer = new boolean[rows * width];
        }

        /**
         * Weights: every sequence counts the same, whatever its number of answer tokens (a copy
         * case has a hundred, a passkey case seven): each answer token gets 1/(its sequence's
         * answer tokens x rows), each other token lmWeight/(other tokens in the batch).
         */
        static Batch of(List<TrainingData.Example> examples, float lmWeight) {
            int width = 0, others = 0;
            for (TrainingData.Example e : examples) {
                width = Math.max(width, e.size());
                for (int i = 0; i < e.size(); i++) if (!e.answer()[i] && e.lm()[i]) others++;
            }
            Batch b = new Batch(examples.size(), width);
            java.util.Arrays.fill(b.input, WordTokenizer.PAD_ID);
            java.util.Arrays.fill(b.target, WordTokenizer.PAD_ID);
            for (int r = 0; r < examples.size(); r++) {
                TrainingData.Example e = examples.get(r);
                int answers = 0;
                for (boolean a : e.answer()) if (a) answers++;
                for (int i = 0; i < e.size(); i++) {
                    int at = r * width + i;
                    b.input[at] = e.input()[i];
                    b.target[at] = e.target()[i];
                    b.answer[at] = e.answer()[i];
                    if (e.answer()[i]) b.weight[at] = 1f / (answers * (float) examples.size());
                    else if (e.lm()[i] && others > 0) b.weight[at] = lmWeight / others;
                }
            }
            return b;
        }
    }

    /**
     * Teacher-forced exact match on held-out cases (keys and numbers never trained on): a case
     * counts when the argmax at every answer position is the answer token, which is what greedy
     * decoding would produce. Then saves the weights.
     */
    private void evaluateAndSave(
            Transformer model,
            Weights weights,
            TrainingData heldOut,
            int step,
            long start,
            Writer log)
            throws IOException {
        ObjectNode rec = json.createObjectNode();
        rec.put("step", step);
        ObjectNode acc = rec.putObject("heldout_exact_match");
        Random rng = new Random(o.seed() + 7);
        for (String task : o.taskShares().keySet()) {
            ObjectNode byLength = acc.putObject(task);
            for (int length : o.evalLengths()) {
                int right = 0;
                for (int k = 0; k < o.evalSamples(); k++) {
                    double depth = o.evalSamples() == 1 ? 0.5 : (double) k / (o.evalSamples() - 1);
                    TrainingData.Example e = heldOut.example(task, length, depth, k, o.seed() + 1);
                    if (exactMatch(model, inputs, e)) right++;
                }
                byLength.put(String.valueOf(length), (double) right / o.evalSamples());
            }
        }
        rec.put("seconds", Math.round((System.nanoTime() - start) / 1e8) / 10.0);
        log.write(rec + "\n");
        log.flush();
        console.println(rec);
        saveWeights(weights);
    }

    static boolean exactMatch(Transformer model, NDManager m, TrainingData.Example e) {
        try (NDScope scope = new NDScope();
                InferenceState state =
                        new InferenceState(model.config(), new DensePolicy(4), e.size())) {
            long[] ids = new long[e.size()];
            for (int i = 0; i < ids.length; i++) ids[i] = e.input()[i];
            NDArray logits =
                    model.forward(
                            m.create(ids, new Shape(1, ids.length)),
                            state,
                            AttentionObserver.NONE,
                            false);
            long[] argmax = logits.argMax(-1).toLongArray();
            for (int i = 0; i < ids.length; i++) {
                if (e.answer()[i] && argmax[i] != e.target()[i]) return false;
            }
            return true;
        }
    }

    private void saveWeights(Weights weights) throws IOException {
        Map<String, SafetensorsWriter.Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : weights.named().entrySet()) {
            tensors.put(
                    e.getKey(),
                    new SafetensorsWriter.Tensor(
                            e.getValue().toFloatArray(), e.getValue().getShape().getShape()));
        }
        SafetensorsWriter.write(outDir.resolve("model.safetensors"), tensors);
    }

    private void writeJson(Path file, Object node) throws IOException {
        AtomicFiles.write(
                file, tmp -> json.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), node));
    }
}
