package dev.headroom.attention.gpu.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.headroom.attention.HeadroomException;
import dev.headroom.attention.gpu.CopyKernel;
import dev.headroom.attention.gpu.CudaContext;
import dev.headroom.attention.gpu.CudaModel;
import dev.headroom.attention.gpu.CudaSequence;
import dev.headroom.attention.gpu.DeviceBuffer;
import dev.headroom.attention.gpu.KvStorage;
import dev.headroom.attention.model.ConfigReader;
import dev.headroom.attention.model.ModelConfig;
import dev.headroom.attention.plan.AttentionPlan;
import dev.headroom.attention.plan.HeadSpan;
import dev.headroom.attention.policy.AttentionPolicy;
import dev.headroom.attention.policy.DensePolicy;
import dev.headroom.attention.policy.PlanPolicy;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The end-to-end benchmark of the CUDA runtime on a Llama-3.1-8B shape with random bf16 weights
 * made on the device (32 layers, 32 query and 8 KV heads of 128, FFN 14336, vocabulary 128256,
 * llama3 RoPE): for each context and policy, the prefill time of one prompt, greedy decode ms/step
 * at batch 1 and batch 8 (the batch: forks of the prefilled sequence, caches copied on the device),
 * the KV bytes the policy counts and the device's, and the device memory. The roofline of a decode
 * step is (weights + the KV bytes the step reads) / the copy bandwidth measured first in the same
 * process. Before timing, the bf16 caches (flash prefill, split-K decode) are checked against the
 * fp32 caches of the readable attention kernel on the same random weights. One JSON line per row on
 * stdout and in the output file.
 *
 * <pre>
 * java -Xmx8g -cp '.gpu/lib/*' dev.headroom.attention.gpu.tools.E2eBench e2e.jsonl \
 *     --contexts 8192,32768 --batches 1,8 --steps 32
 * </pre>
 *
 * The plan: per layer, KV heads 0 and 1 full, the other six sink 64 + window 1024 tokens (density
 * about 0.3 at 32K).
 */
public final class E2eBench {
    private final CudaModel model;
    private final double copyGBps;
    private final PrintStream out;
    private final int steps;

    private E2eBench(CudaModel model, double copyGBps, PrintStream out, int steps) {
        this.model = model;
        this.copyGBps = copyGBps;
        this.out = out;
        this.steps = steps;
    }

    public static void main(String[] args) throws IOException {
        Map<String, String> opt = new LinkedHashMap<>();
        opt.put("--contexts", "8192,32768");
        opt.put("--batches", "1,8");
        opt.put("--steps", "32");
        opt.put("--check-length", "1000");
        if (args.length < 1) {
            System.err.println(
                    "usage: E2eBench OUT.jsonl [--contexts ..] [--batches ..] [--steps N]");
            System.exit(2);
        }
        for (int i = 1; i + 1 < args.length; i += 2) opt.put(args[i], args[i + 1]);
        ModelConfig config = llama31_8b();
        double copy = copyBandwidth(); // before the model, in a context of its own
        try (PrintStream file = new PrintStream(Files.newOutputStream(Path.of(args[0])), true);
                CudaModel model = CudaModel.random(config, 2026)) {
            E2eBench bench = new E2eBench(model, copy, file, Integer.parseInt(opt.get("--steps")));
            bench.emit(
                    row("setup")
                            .put("model", "llama-3.1-8b shape, random bf16 weights on the device")
                            .put("weight_bytes", model.weightBytes())
                            .put("copy_GBps", copy)
                            .put("memory", memory(model.memory(0))));
            int failures = bench.check(Integer.parseInt(opt.get("--check-length")));
            bench.fitCheck();
            bench.capacity(new DensePolicy());
            bench.capacity(plan(config, 32768));
            for (String c : opt.get("--contexts").split(",")) {
                int context = Integer.parseInt(c.trim());
                for (AttentionPolicy policy : List.of(new DensePolicy(), plan(config, context)))
                    bench.context(
                            context,
                            policy,
                            batches(opt.get("--batches")),
                            opt.getOrDefault("--max-batch", "0").equals("1"));
            }
            System.exit(failures == 0 ? 0 : 1);
        }
    }

    private static int[] batches(String list) {
        String[] parts = list.split(",");
        int[] b = new int[parts.length];
        for (int i = 0; i < b.length; i++) b[i] = Integer.parseInt(parts[i].trim());
        return b;
    }

    /** The Llama-3.1-8B config (as its config.json gives it), read by the core's reader. */
    static ModelConfig llama31_8b() throws IOException {
        Path dir = Files.createTempDirectory("llama31-8b-shape");
        Files.writeString(
                dir.resolve("config.json"),
                "{\"architectures\":[\"LlamaForCausalLM\"],\"hidden_size\":4096,"
                        + "\"intermediate_size\":14336,\"num_hidden_layers\":32,"
                        + "\"num_attention_heads\":32,\"num_key_value_heads\":8,\"head_dim\":128,"
                        + "\"vocab_size\":128256,\"max_position_embeddings\":131072,"
                        + "\"rms_norm_eps\":1e-5,\"rope_theta\":500000.0,\"rope_scaling\":"
                        + "{\"rope_type\":\"llama3\",\"factor\":8.0,\"low_freq_factor\":1.0,"
                        + "\"high_freq_factor\":4.0,\"original_max_position_embeddings\":8192},"
                        + "\"tie_word_embeddings\":false,\"bos_token_id\":128000,"
                        + "\"eos_token_id\":128001,\"hidden_act\":\"silu\"}");
        return ConfigReader.read(dir);
    }

    /** Per layer: KV heads 0 and 1 full, the rest sink 64 + a window of 1024 tokens. */
    static AttentionPolicy plan(ModelConfig c, int context) {
        return planOf(c, context, 64, 1024, "plan-2full-s64w1024");
    }

    private static AttentionPolicy planOf(
            ModelConfig c, int context, int sink, int window, String name) {
        List<HeadSpan> heads = new ArrayList<>();
        for (int l = 0; l < c.numLayers(); l++)
            for (int h = 0; h < c.numKvHeads(); h++)
                heads.add(
                        h < 2
                                ? new HeadSpan(l, h, "full", 0, 0, 1)
                                : new HeadSpan(l, h, "window", sink, window, 0));
        return new PlanPolicy(
                new AttentionPlan("bench", "", 0.35, List.of(context), heads, Map.of(), Map.of()),
                name);
    }

    /** Our copy kernel over 1 GiB (bytes read + written per second), median of 20. */
    static double copyBandwidth() {
        try (CudaContext cuda = new CudaContext();
                DeviceBuffer a = cuda.allocate(1L << 30);
                DeviceBuffer b = cuda.allocate(1L << 30);
                EventTimer timer = new EventTimer(cuda)) {
            CopyKernel copy = new CopyKernel(cuda);
            double ms = timer.medianMs(() -> copy.copy(a, b, 1L << 30), 3, 20);
            return 2.0 * (1L << 30) / (ms * 1e-3) / 1e9;
        }
    }

    /**
     * The bf16 caches against the fp32 caches (runtime.cu's kernel, checked against the float64
     * oracle by RuntimeParityCheck) on these weights: the last prompt logits and 4 greedy decode
     * steps, dense and a windowed plan (rings overwritten), relative L2 within 5e-2 and equal
     * densities (argmax equality reported). The difference is the bf16 rounding of q, k and v.
     */
    int check(int length) {
        int failures = 0;
        ModelConfig c = model.config();
        int[] ids = randomIds(length, 11);
        for (AttentionPolicy policy :
                List.of(new DensePolicy(), planOf(c, length, 16, 128, "check-plan-s16w128"))) {
            try (CudaSequence ref = model.open(policy, length, length + 16, KvStorage.FP32);
                    CudaSequence fast = model.open(policy, length, length + 16, KvStorage.BF16)) {
                float[] a = ref.prefill(ids), b = fast.prefill(ids);
                double worst = relL2(b, a);
                boolean same = argmax(a) == argmax(b);
                int token = argmax(a);
                for (int s = 0; s < 4; s++) {
                    a = ref.decode(token);
                    b = fast.decode(token);
                    worst = Math.max(worst, relL2(b, a));
                    same &= argmax(a) == argmax(b);
                    token = argmax(a);
                }
                boolean pass = worst <= 5e-2 && fast.density() == ref.density();
                if (!pass) failures++;
                emit(
                        row("check")
                                .put("policy", policy.name())
                                .put("length", length)
                                .put("worst_rel_l2", worst)
                                .put("argmax_equal", same)
                                .put("density", fast.density())
                                .put("pass", pass));
                if (!checkGraph(policy, fast, token)) failures++;
            } catch (RuntimeException e) {
                failures++;
                emit(row("check").put("policy", policy.name()).put("error", e.toString()));
            }
        }
        return failures;
    }

    /**
     * The captured decode step (CUDA graph, batched kernels, positions on the device) against the
     * step-by-step launches of the same bf16 caches: two forks decode 6 greedy steps as a batch of
     * 2, the sequence itself 6 steps one launch at a time; the chosen tokens must be equal, and the
     * next step's logits of each fork within 1e-2 of the sequence's (the caches the graph appended
     * hold the same keys and values at the same positions).
     */
    private boolean checkGraph(AttentionPolicy policy, CudaSequence seq, int token) {
        try (CudaSequence a = seq.fork(policy);
                CudaSequence b = seq.fork(policy)) {
            int[] got = model.decodeGreedy(List.of(a, b), new int[] {token, token}, 6);
            String path = model.lastDecodePath();
            int want = token;
            for (int s = 0; s < 6; s++) want = argmax(seq.decode(want));
            float[] next = seq.decode(want);
            double worst = Math.max(relL2(a.decode(want), next), relL2(b.decode(want), next));
            boolean pass =
                    got[0] == want && got[1] == want && worst <= 1e-2 && path.equals("graph");
            emit(
                    row("check_graph")
                            .put("policy", policy.name())
                            .put("decode_path", path)
                            .put("tokens_equal", got[0] == want && got[1] == want)
                            .put("next_logits_rel_l2", worst)
                            .put("pass", pass));
            return pass;
        } catch (RuntimeException e) {
            emit(row("check_graph").put("policy", policy.name()).put("error", e.toString()));
            return false;
        }
    }

    /** A request that cannot fit: refused before allocating, the one line recorded. */
    void fitCheck() {
        try (CudaSequence s = model.open(new DensePolicy(), 2_000_000, 2_000_000, KvStorage.BF16)) {
            emit(row("fit_check").put("refused", false));
        } catch (HeadroomException e) {
            emit(row("fit_check").put("refused", true).put("message", e.getMessage()));
        }
    }

    /**
     * The longest prompt a batch-1 sequence can take under {@code policy} with bf16 caches, by the
     * fit check's own arithmetic (bisection, nothing allocated), then opened for real at that
     * length (the caches allocated, no prefill) and one percent longer (refused).
     */
    void capacity(AttentionPolicy policy) {
        long available = model.bytesAvailable();
        int lo = 1, hi = 1 << 24;
        while (lo < hi) {
            int mid = (int) (((long) lo + hi + 1) / 2);
            if (model.bytesToOpen(policy, mid, mid + 1, KvStorage.BF16) <= available) lo = mid;
            else hi = mid - 1;
        }
        Row r =
                row("capacity")
                        .put("policy", policy.name())
                        .put("max_context", lo)
                        .put("bytes_at_max", model.bytesToOpen(policy, lo, lo + 1, KvStorage.BF16))
                        .put("available", available);
        try (CudaSequence s = model.open(policy, lo, lo + 1, KvStorage.BF16)) {
            r.put("opened_at_max", true).put("kv_device_bytes", s.deviceCacheBytes());
        } catch (HeadroomException e) {
            r.put("opened_at_max", false).put("refusal_at_max", e.getMessage());
        }
        int over = lo + Math.max(1, lo / 100);
        try (CudaSequence s = model.open(policy, over, over + 1, KvStorage.BF16)) {
            r.put("refused_one_percent_over", false);
        } catch (HeadroomException e) {
            r.put("refused_one_percent_over", true).put("refusal", e.getMessage());
        }
        emit(r);
    }

    /**
     * Prefill (a first run that allocates the workspace, then the timed one), then decode at each
     * batch size, and at the largest batch the fit check lets fork when {@code largest}.
     */
    void context(int context, AttentionPolicy policy, int[] batchSizes, boolean largest) {
        int[] ids = randomIds(context, context);
        int room = context + 2 * (steps + 4) * (batchSizes.length + 1) + 16;
        List<CudaSequence> batch = new ArrayList<>();
        double coldS = Double.NaN;
        try (CudaSequence warm = model.open(policy, context, context + 1, KvStorage.BF16)) {
            long t0 = System.nanoTime();
            warm.prefill(ids);
            coldS = (System.nanoTime() - t0) / 1e9;
        } catch (RuntimeException e) {
            emit(
                    row("prefill")
                            .put("context", context)
                            .put("policy", policy.name())
                            .put("cold_error", e.getMessage()));
        }
        try (CudaSequence first = model.open(policy, context, room, KvStorage.BF16)) {
            model.synchronize();
            long t0 = System.nanoTime();
            float[] logits = first.prefill(ids); // waits for the device (the logits download)
            double prefillS = (System.nanoTime() - t0) / 1e9;
            long kvBytes = first.cacheBytes(), kvDevice = first.deviceCacheBytes();
            emit(
                    row("prefill")
                            .put("context", context)
                            .put("policy", policy.name())
                            .put("density", first.density())
                            .put("prefill_s", prefillS)
                            .put("prefill_first_run_s", coldS)
                            .put("prefill_tok_s", context / prefillS)
                            .put("kv_bytes", kvBytes)
                            .put("kv_device_bytes", kvDevice)
                            .put("memory", memory(model.memory(kvDevice))));
            int token = argmax(logits);
            batch.add(first);
            for (int b : batchSizes) {
                try {
                    while (batch.size() < b) batch.add(first.fork(policy));
                } catch (HeadroomException e) {
                    emit(
                            row("decode")
                                    .put("context", context)
                                    .put("policy", policy.name())
                                    .put("batch", b)
                                    .put("refused", e.getMessage()));
                    break;
                }
                decode(context, policy, batch.subList(0, b), token, steps);
            }
            if (largest) {
                String refusal = "none up to " + MAX_BATCH;
                try {
                    while (batch.size() < MAX_BATCH) batch.add(first.fork(policy));
                } catch (HeadroomException e) {
                    refusal = e.getMessage();
                }
                emit(
                        row("largest_batch")
                                .put("context", context)
                                .put("policy", policy.name())
                                .put("batch", batch.size())
                                .put("next_fork", refusal));
                decode(context, policy, batch, token, Math.max(4, steps / 4));
            }
        } catch (HeadroomException e) {
            emit(
                    row("prefill")
                            .put("context", context)
                            .put("policy", policy.name())
                            .put("refused", e.getMessage()));
        } catch (RuntimeException e) {
            emit(
                    row("prefill")
                            .put("context", context)
                            .put("policy", policy.name())
                            .put("error", e.toString()));
        } finally {
            for (int i = 1; i < batch.size(); i++) batch.get(i).close();
        }
    }

    /** The most sequences the largest-batch run forks (the forward pass's batch limit). */
    static final int MAX_BATCH = 256;

    private void decode(
            int context, AttentionPolicy policy, List<CudaSequence> seqs, int token, int steps) {
        int b = seqs.size();
        int[] first = new int[b];
        java.util.Arrays.fill(first, token);
        model.decodeGreedy(seqs, first, 4); // warm-up
        model.synchronize();
        long t0 = System.nanoTime();
        int[] last = model.decodeGreedy(seqs, first, steps); // waits for the last tokens
        double hostMs = (System.nanoTime() - t0) / 1e6 / steps;
        double replayMs = model.lastReplayMsPerStep();
        double ms = Double.isNaN(replayMs) ? hostMs : replayMs;
        long kvRead = 0, kvDevice = 0;
        for (CudaSequence s : seqs) {
            kvRead += s.cacheBytes();
            kvDevice += s.deviceCacheBytes();
        }
        double rooflineMs = (model.weightBytes() + kvRead) / (copyGBps * 1e9) * 1e3;
        emit(
                row("decode")
                        .put("context", context)
                        .put("policy", policy.name())
                        .put("batch", b)
                        .put("ms_per_step", ms)
                        .put("decode_path", model.lastDecodePath())
                        .put("graph_replay_ms_per_step", replayMs)
                        .put("host_ms_per_step_with_first_and_capture", hostMs)
                        .put("tok_s", b * 1e3 / ms)
                        .put("bytes_per_step", model.weightBytes() + kvRead)
                        .put("roofline_ms", rooflineMs)
                        .put("fraction_of_roofline", rooflineMs / ms)
                        .put("last_token", last[0])
                        .put("memory", memory(model.memory(kvDevice))));
    }

    private static Map<String, Object> memory(CudaModel.DeviceMemory m) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("weights", m.weightBytes());
        r.put("workspace", m.workspaceBytes());
        r.put("kv", m.kvBytes());
        r.put("free", m.freeBytes());
        r.put("total", m.totalBytes());
        return r;
    }

    private int[] randomIds(int n, long seed) {
        Random r = new Random(seed);
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = r.nextInt(128000);
        return ids;
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    static double relL2(float[] got, float[] want) {
        double num = 0, den = 0;
        for (int i = 0; i < want.length; i++) {
            double d = got[i] - want[i];
            num += d * d;
            den += (double) want[i] * want[i];
        }
        return Math.sqrt(num / Math.max(den, 1e-30));
    }

    /** One output row: a JSON object, keys in insertion order. */
    private static Row row(String kind) {
        return new Row().put("kind", kind);
    }

    private static final class Row {
        final Map<String, Object> fields = new LinkedHashMap<>();

        Row put(String key, Object value) {
            fields.put(key, value);
            return this;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private void emit(Row r) {
        try {
            String line = JSON.writeValueAsString(r.fields);
            System.out.println(line);
            out.println(line);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
