package dev.headroom.train;

import dev.headroom.eval.task.Split;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Writes the demo model's training sequences (the same generators, tokenizer and curriculum as {@code train-demo})
 * to a flat binary file, so that a trainer elsewhere (scripts/demo-gpu/train_demo_torch.py on the GPU machine) sees
 * exactly the data DJL training sees. Sequence i is drawn at curriculum progress i / count.
 *
 * <p>Format, little-endian: per sequence, int32 n, n x uint16 input, n x uint16 target, n x uint8 flags (bit 0 answer
 * token, bit 1 language-modelling token), then int32 length-bucket and a uint8 task index (see {@link #TASKS}).
 *
 * <pre>java -cp ... dev.headroom.train.TrainingSetExport OUT_DIR COUNT SEED SPLIT MIN_LEN MAX_LEN [THREADS [SHARES]]</pre>
 * SHARES overrides the curriculum's task shares, e.g. {@code passkey=0.2,niah_single=0.2,mqar=0.3,copy=0.3}.
 * OUT_DIR gets {@code <split>.bin}, {@code tokenizer.json} and {@code config.json}.
 */
public final class TrainingSetExport {
    static final String[] TASKS = {TrainingData.PASSKEY, TrainingData.NIAH, TrainingData.NIAH_MULTIKEY, TrainingData.VT,
            TrainingData.MQAR, TrainingData.COPY};

    private TrainingSetExport() {
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        int count = Integer.parseInt(args[1]);
        long seed = Long.parseLong(args[2]);
        Split split = Split.valueOf(args[3]);
        int minLen = Integer.parseInt(args[4]), maxLen = Integer.parseInt(args[5]);
        int threads = args.length > 6 ? Integer.parseInt(args[6]) : Runtime.getRuntime().availableProcessors();
        Files.createDirectories(out);
        WordTokenizer tok = WordTokenizer.forTasks();
        tok.write(out.resolve("tokenizer.json"));
        DemoModelSpec.DEMO.writeConfig(out, tok.vocabSize());
        java.util.Map<String, Double> shares = args.length > 7 ? TrainingData.Curriculum.parseShares(args[7])
                : TrainingData.Curriculum.defaultShares();
        TrainingData.Curriculum curriculum = new TrainingData.Curriculum(minLen, maxLen, shares);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        int chunk = 256;
        java.util.List<Future<byte[]>> parts = new java.util.ArrayList<>();
        for (int start = 0; start < count; start += chunk) {
            int from = start, to = Math.min(count, start + chunk);
            parts.add(pool.submit(() -> encode(tok, split, curriculum, seed, from, to, count)));
        }
        Path file = out.resolve(split.name().toLowerCase() + ".bin");
        try (var os = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            for (Future<byte[]> f : parts) os.write(f.get());
        }
        pool.shutdown();
        System.out.println("wrote " + count + " sequences to " + file);
    }

    private static byte[] encode(WordTokenizer tok, Split split, TrainingData.Curriculum curriculum, long seed,
                                 int from, int to, int count) throws IOException {
        TrainingData data = new TrainingData(tok, split, split == Split.TRAIN ? 0.3 : 0.0);
        var bytes = new java.io.ByteArrayOutputStream();
        var os = new DataOutputStream(bytes);
        for (int i = from; i < to; i++) {
            double progress = (double) i / count;
            Random rng = new Random(seed * 1_000_003L + i);
            String task = split == Split.TRAIN ? curriculum.task(rng, progress) : TASKS[i % TASKS.length];
            int length = split == Split.TRAIN ? curriculum.length(rng, progress) : new int[] {512, 1024, 2048}[(i / TASKS.length) % 3];
            TrainingData.Example e = data.example(task, length, rng.nextDouble(), i, seed + i);
            int n = e.size();
            os.writeInt(Integer.reverseBytes(n));
            for (int v : e.input()) os.writeShort(Short.reverseBytes((short) v));
            for (int v : e.target()) os.writeShort(Short.reverseBytes((short) v));
            for (int k = 0; k < n; k++) os.writeByte((e.answer()[k] ? 1 : 0) | (e.lm()[k] ? 2 : 0));
            os.writeInt(Integer.reverseBytes(e.length()));
            int taskIndex = java.util.Arrays.asList(TASKS).indexOf(e.task());
            os.writeByte(taskIndex);
        }
        os.flush();
        return bytes.toByteArray();
    }
}
