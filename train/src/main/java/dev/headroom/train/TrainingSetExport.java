package dev.headroom.train;

import dev.headroom.attention.AtomicFiles;
import dev.headroom.eval.task.Split;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Writes the demo model's training sequences (the same generators, tokenizer and curriculum as
 * {@code train-demo}) to a flat binary file, so that a trainer elsewhere
 * (scripts/demo-gpu/rehearse_train_demo.py on the GPU machine) sees exactly the data DJL training
 * sees. Sequence i is drawn at curriculum progress i / count.
 *
 * <p>Format, little-endian: per sequence, int32 n, n x uint16 input, n x uint16 target, n x uint8
 * flags (bit 0 answer token, bit 1 language-modelling token), then int32 length-bucket and a uint8
 * task index (see {@link #TASKS}).
 *
 * <pre>
 * java -cp ... dev.headroom.train.TrainingSetExport OUT_DIR COUNT SEED SPLIT MIN_LEN MAX_LEN [THREADS [SHARES]]
 * </pre>
 *
 * SHARES overrides the curriculum's task shares, e.g. {@code
 * passkey=0.2,niah_single=0.2,mqar=0.3,copy=0.3}. OUT_DIR gets {@code <split>.bin}, {@code
 * tokenizer.json} and {@code config.json}.
 *
 * <p>Step mode writes exactly the batches a {@code train-demo} run of STEPS steps draws ({@link
 * TrainingSteps}), in order, and {@code train.steps} (int32 sequences per step), for a GPU
 * rehearsal of that run:
 *
 * <pre>
 * java -cp ... dev.headroom.train.TrainingSetExport --steps OUT_DIR STEPS SEED BUDGET_TOKENS MAX_LEN [THREADS [SHARES [SHAPE]]]
 * </pre>
 *
 * SHAPE is the curriculum's "shortPhase,grownBy,longShare" ({@link TrainingData.Curriculum.Shape}).
 */
public final class TrainingSetExport {
    static final String[] TASKS = {
        TrainingData.PASSKEY,
        TrainingData.NIAH,
        TrainingData.NIAH_MULTIKEY,
        TrainingData.VT,
        TrainingData.MQAR,
        TrainingData.COPY
    };

    private TrainingSetExport() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--steps")) {
            exportSteps(java.util.Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        Path out = Path.of(args[0]);
        int count = Integer.parseInt(args[1]);
        long seed = Long.parseLong(args[2]);
        Split split = Split.valueOf(args[3]);
        int minLen = Integer.parseInt(args[4]), maxLen = Integer.parseInt(args[5]);
        int threads =
                args.length > 6
                        ? Integer.parseInt(args[6])
                        : Runtime.getRuntime().availableProcessors();
        WordTokenizer tok = writeModelFiles(out);
        java.util.Map<String, Double> shares =
                args.length > 7
                        ? TrainingData.Curriculum.parseShares(args[7])
                        : TrainingData.Curriculum.defaultShares();
        TrainingData.Curriculum curriculum = new TrainingData.Curriculum(minLen, maxLen, shares);
        java.util.List<Callable<byte[]>> parts = new java.util.ArrayList<>();
        for (int start = 0; start < count; start += 256) {
            int from = start, to = Math.min(count, start + 256);
            parts.add(() -> encode(tok, split, curriculum, seed, from, to, count));
        }
        Path file = out.resolve(split.name().toLowerCase() + ".bin");
        writeInOrder(file, parts, threads);
        System.out.println("wrote " + count + " sequences to " + file);
    }

    /**
     * tokenizer.json and config.json of the demo model, which a trainer elsewhere builds its model
     * from.
     */
    private static WordTokenizer writeModelFiles(Path out) throws IOException {
        Files.createDirectories(out);
        WordTokenizer tok = WordTokenizer.forTasks();
        tok.write(out.resolve("tokenizer.json"));
        DemoModelSpec.DEMO.writeConfig(out, tok.vocabSize());
        return tok;
    }

    /**
     * Runs the jobs on {@code threads} threads and writes their bytes to {@code file} in job order.
     */
    private static void writeInOrder(Path file, java.util.List<Callable<byte[]>> jobs, int threads)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<byte[]>> done = pool.invokeAll(jobs);
            AtomicFiles.write(
                    file,
                    tmp -> {
                        try (var os =
                                new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
                            for (Future<byte[]> f : done) os.write(f.get());
                        } catch (ExecutionException e) {
                            throw new IOException(
                                    "encoding " + file.getFileName() + " failed", e.getCause());
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new IOException(
                                    "interrupted while writing " + file.getFileName(), e);
                        }
                    });
        } finally {
            pool.shutdown();
        }
    }

    private static void exportSteps(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        int steps = Integer.parseInt(args[1]);
        long seed = Long.parseLong(args[2]);
        int budget = Integer.parseInt(args[3]), maxLen = Integer.parseInt(args[4]);
        int threads =
                args.length > 5
                        ? Integer.parseInt(args[5])
                        : Runtime.getRuntime().availableProcessors();
        java.util.Map<String, Double> shares =
                args.length > 6 && !args[6].equals("default")
                        ? TrainingData.Curriculum.parseShares(args[6])
                        : TrainingData.Curriculum.defaultShares();
        DemoTrainer.Options d = DemoTrainer.Options.demo(steps);
        WordTokenizer tok = writeModelFiles(out);
        TrainingData.Curriculum curriculum =
                new TrainingData.Curriculum(
                        d.minLength(),
                        maxLen,
                        shares,
                        args.length > 7
                                ? TrainingData.Curriculum.Shape.parse(args[7])
                                : TrainingData.Curriculum.Shape.DEFAULT);
        int[] rows = new int[steps];
        java.util.List<Callable<byte[]>> parts = new java.util.ArrayList<>();
        for (int start = 0; start < steps; start += 32) {
            int from = start, to = Math.min(steps, start + 32);
            parts.add(
                    () -> {
                        TrainingSteps batches =
                                new TrainingSteps(
                                        new TrainingData(tok, Split.TRAIN, d.fillerJitter()),
                                        curriculum,
                                        steps,
                                        budget,
                                        seed);
                        var bytes = new java.io.ByteArrayOutputStream();
                        var os = new DataOutputStream(bytes);
                        for (int s = from; s < to; s++) {
                            java.util.List<TrainingData.Example> batch = batches.batch(s);
                            rows[s] = batch.size();
                            for (TrainingData.Example e : batch) write(os, e);
                        }
                        os.flush();
                        return bytes.toByteArray();
                    });
        }
        writeInOrder(out.resolve("train.bin"), parts, threads);
        AtomicFiles.write(
                out.resolve("train.steps"),
                tmp -> {
                    try (var os =
                            new DataOutputStream(
                                    new BufferedOutputStream(Files.newOutputStream(tmp)))) {
                        for (int r : rows) os.writeInt(Integer.reverseBytes(r));
                    }
                });
        System.out.println("wrote " + steps + " steps to " + out);
    }

    private static void write(DataOutputStream os, TrainingData.Example e) throws IOException {
        int n = e.size();
        os.writeInt(Integer.reverseBytes(n));
        for (int v : e.input()) os.writeShort(Short.reverseBytes((short) v));
        for (int v : e.target()) os.writeShort(Short.reverseBytes((short) v));
        for (int k = 0; k < n; k++) os.writeByte((e.answer()[k] ? 1 : 0) | (e.lm()[k] ? 2 : 0));
        os.writeInt(Integer.reverseBytes(e.length()));
        os.writeByte(java.util.Arrays.asList(TASKS).indexOf(e.task()));
    }

    private static byte[] encode(
            WordTokenizer tok,
            Split split,
            TrainingData.Curriculum curriculum,
            long seed,
            int from,
            int to,
            int count)
            throws IOException {
        TrainingData data = new TrainingData(tok, split, split == Split.TRAIN ? 0.3 : 0.0);
        var bytes = new java.io.ByteArrayOutputStream();
        var os = new DataOutputStream(bytes);
        for (int i = from; i < to; i++) {
            double progress = (double) i / count;
            Random rng = new Random(seed * 1_000_003L + i);
            String task =
                    split == Split.TRAIN ? curriculum.task(rng, progress) : TASKS[i % TASKS.length];
            int length =
                    split == Split.TRAIN
                            ? curriculum.length(rng, progress)
                            : new int[] {512, 1024, 2048}[(i / TASKS.length) % 3];
            write(os, data.example(task, length, rng.nextDouble(), i, seed + i));
        }
        os.flush();
        return bytes.toByteArray();
    }
}
