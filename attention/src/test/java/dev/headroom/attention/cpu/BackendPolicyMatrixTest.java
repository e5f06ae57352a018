package dev.headroom.attention.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headroom.attention.TestModels;
import dev.headroom.attention.model.ModelConfig;
import dev.headroom.attention.oracle.NaiveTransformer;
import dev.headroom.attention.pattern.HeadPattern;
import dev.headroom.attention.plan.AttentionPlan;
import dev.headroom.attention.plan.HeadSpan;
import dev.headroom.attention.policy.ArtifactResolver;
import dev.headroom.attention.policy.AttentionPolicy;
import dev.headroom.attention.policy.DensePolicy;
import dev.headroom.attention.policy.LayerContext;
import dev.headroom.attention.policy.LinearHeadsPolicy;
import dev.headroom.attention.policy.PlanPolicy;
import dev.headroom.attention.policy.UniformSinkWindowPolicy;
import dev.headroom.attention.runtime.LanguageModelRuntime;
import dev.headroom.attention.runtime.RuntimeSequence;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The backend x policy matrix: the DJL CPU runtime against the float64 oracle, for dense attention,
 * a uniform sink + window, a random plan that mixes full and windowed KV heads within a layer, and
 * linearized heads (random feature maps, hybrid attention) beside full ones, on small random
 * checkpoints of all three families and on stories260K. Prefill (every position) and incremental
 * decode must agree to a relative L2 of 1e-4 on the logits, and both must hold the same cache
 * entries and bytes.
 */
class BackendPolicyMatrixTest {
    private static final int LENGTH = 40; // crosses every window below and Mistral's own (16)
    private static final int PREFIX = 17; // decode starts here

    static Stream<Arguments> matrix() {
        List<Arguments> out = new ArrayList<>();
        for (String model :
                new String[] {
                    "llama_f32_untied_ropeparams",
                    "mistral_f32_window",
                    "qwen2_bf16_untied",
                    "stories260K"
                }) {
            for (String policy : new String[] {"dense", "uniform", "mixed-plan", "linear"})
                out.add(Arguments.of(model, policy));
        }
        return out.stream();
    }

    private static Path model(String name) {
        return name.equals("stories260K")
                ? TestModels.shared(name)
                : TestModels.HF_FIXTURES.resolve(name);
    }

    /**
     * Per (layer, KV head): head 0 of each layer full, head 1 windowed, the rest drawn at random.
     */
    static AttentionPolicy policy(String name, ModelConfig c) {
        switch (name) {
            case "dense":
                return new DensePolicy();
            case "uniform":
                return UniformSinkWindowPolicy.tokens(2, 5);
            case "linear":
                // every KV head but head 0 of each layer linearized (sink 2 + window 5 exact)
                boolean[][] chosen = new boolean[c.numLayers()][c.numKvHeads()];
                for (boolean[] layer : chosen) java.util.Arrays.fill(layer, true);
                for (boolean[] layer : chosen) layer[0] = c.numKvHeads() == 1;
                return new LinearHeadsPolicy(new DensePolicy(), chosen, true, "linear");
            default:
                Random r = new Random(c.numLayers() * 31L + c.numKvHeads());
                List<HeadSpan> heads = new ArrayList<>();
                for (int l = 0; l < c.numLayers(); l++) {
                    for (int h = 0; h < c.numKvHeads(); h++) {
                        boolean full = h == 0 || (h > 1 && r.nextBoolean());
                        heads.add(
                                full
                                        ? new HeadSpan(l, h, "full", 0, 0, 1)
                                        : new HeadSpan(
                                                l,
                                                h,
                                                "window",
                                                r.nextInt(4),
                                                2 + r.nextInt(8),
                                                0.1 * r.nextDouble()));
                    }
                }
                return new PlanPolicy(
                        new AttentionPlan(
                                "test", "", 0.5, List.of(LENGTH), heads, Map.of(), Map.of()),
                        "mixed");
        }
    }

    private static int[] ids(ModelConfig c) {
        int[] ids = new int[LENGTH];
        Random r = new Random(7);
        for (int i = 0; i < ids.length; i++)
            ids[i] = 3 + r.nextInt(Math.min(c.vocabSize(), 500) - 3);
        return ids;
    }

    @ParameterizedTest(name = "{0} x {1}")
    @MethodSource("matrix")
    void cpuRuntimeAgreesWithOracle(String modelName, String policyName) {
        Path dir = model(modelName);
        try (LanguageModelRuntime cpu = LoadedModel.load(dir);
                NaiveTransformer oracle = NaiveTransformer.load(dir)) {
            ModelConfig c = cpu.config();
            AttentionPolicy policy = policy(policyName, c);
            ArtifactResolver artifacts =
                    LinearTestHeads.serving(LinearTestHeads.everyHead(c, 2, 5, 8, 11));
            int[] ids = ids(c);
            String what = modelName + " x " + policyName;

            // prefill: every position at once
            float[][] expected, got;
            try (RuntimeSequence o = oracle.open(policy, LENGTH, artifacts);
                    RuntimeSequence p = cpu.open(policy, LENGTH, artifacts)) {
                expected = o.prefillAll(ids);
                got = p.prefillAll(ids);
                assertSameCaches(c, policy, artifacts, o, p, what + " prefill");
            }
            assertClose(expected, got, what + " prefill");

            // incremental: a prefix, then one token at a time
            try (RuntimeSequence o = oracle.open(policy, PREFIX, artifacts);
                    RuntimeSequence p = cpu.open(policy, PREFIX, artifacts)) {
                int[] prefix = java.util.Arrays.copyOf(ids, PREFIX);
                float[][] oSteps = new float[LENGTH - PREFIX + 1][],
                        pSteps = new float[LENGTH - PREFIX + 1][];
                oSteps[0] = o.prefill(prefix);
                pSteps[0] = p.prefill(prefix);
                for (int t = PREFIX; t < LENGTH; t++) {
                    oSteps[t - PREFIX + 1] = o.decode(ids[t]);
                    pSteps[t - PREFIX + 1] = p.decode(ids[t]);
                }
                assertClose(oSteps, pSteps, what + " decode");
                assertSameCaches(c, policy, artifacts, o, p, what + " decode");
                assertEquals(LENGTH, p.position());
            }
        }
    }

    private static void assertSameCaches(
            ModelConfig c,
            AttentionPolicy policy,
            ArtifactResolver artifacts,
            RuntimeSequence oracle,
            RuntimeSequence cpu,
            String what) {
        long bytes = 0;
        for (int l = 0; l < c.numLayers(); l++) {
            var layer = policy.forLayer(new LayerContext(c, l, LENGTH, artifacts));
            for (int h = 0; h < c.numKvHeads(); h++) {
                assertEquals(
                        oracle.heldTokens(l, h),
                        cpu.heldTokens(l, h),
                        what + ": entries of layer " + l + " head " + h);
                // bf16 entries (plus a linearized head's fixed state)
                bytes += layer.head(h).format().bytes(cpu.heldTokens(l, h), c.headDim());
            }
        }
        assertEquals(
                bytes, cpu.cacheBytes(), what + ": cache bytes are the sum of the held entries");
        assertEquals(oracle.cacheBytes(), cpu.cacheBytes(), what + ": cache bytes");
        assertEquals(oracle.density(), cpu.density(), 1e-12, what + ": density");
    }

    static void assertClose(float[][] expected, float[][] got, String what) {
        double err = 0, norm = 0;
        for (int t = 0; t < expected.length; t++) {
            for (int i = 0; i < expected[t].length; i++) {
                double d = got[t][i] - expected[t][i];
                err += d * d;
                norm += (double) expected[t][i] * expected[t][i];
            }
        }
        double rel = Math.sqrt(err / norm);
        assertTrue(rel < 1e-4, what + ": relative L2 " + rel);
    }

    /**
     * The patterns a plan resolves to are the ones the oracle masks with (a guard on the test
     * itself).
     */
    @ParameterizedTest
    @MethodSource("matrix")
    void mixedPlanMixes(String modelName, String policyName) {
        if (!policyName.equals("mixed-plan")) return;
        ModelConfig c = LoadedModelConfigs.read(model(modelName));
        var layer =
                policy(policyName, c)
                        .forLayer(
                                new dev.headroom.attention.policy.LayerContext(
                                        c,
                                        0,
                                        LENGTH,
                                        dev.headroom.attention.policy.ArtifactResolver.NONE));
        assertTrue(layer.head(0).pattern().isFull());
        HeadPattern windowed = layer.head(1).pattern();
        assertTrue(
                !windowed.isFull() && windowed.window() < LENGTH,
                "head 1 is windowed: " + windowed);
    }

    private static final class LoadedModelConfigs {
        static ModelConfig read(Path dir) {
            return dev.headroom.attention.model.ConfigReader.read(dir);
        }
    }
}
