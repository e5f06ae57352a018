package dev.headroom.stages.linearize;

import dev.headroom.attention.cpu.LoadedModel;
import dev.headroom.attention.linear.HedgehogMaps;
import dev.headroom.attention.linear.LinearHeads;
import dev.headroom.attention.policy.ArtifactResolver;
import dev.headroom.attention.policy.DensePolicy;
import dev.headroom.attention.policy.LinearHeadsPolicy;
import dev.headroom.attention.runtime.RuntimeSequence;
import dev.headroom.eval.harness.TaskSpec;
import dev.headroom.eval.task.TaskGenerator;
import dev.headroom.pipeline.api.StageContext;
import dev.headroom.stages.shared.CalibrationSamples;
import dev.headroom.stages.shared.CalibrationSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@link LinearGate}'s measure on the held-out calibration samples: the model's mean KL to
 * dense with the chosen heads of the layers up to the one being decided linearized (the earlier
 * layers as already decided), the later layers dense. The dense logits are computed once per
 * sample. Runs in the stage's driver: a few forward passes per layer.
 */
final class HeldOutKl {
    private final LoadedModel model;
    private final List<int[]> ids = new ArrayList<>();
    private final List<float[][]> dense = new ArrayList<>();
    private int trials;

    HeldOutKl(StageContext context, List<CalibrationSpec> heldOut, boolean addBos) {
        model = LoadedModel.shared(context.model().directory());
        Map<TaskSpec, TaskGenerator> generators = new HashMap<>();
        for (CalibrationSpec spec : heldOut) {
            int[] sample = CalibrationSamples.forSpec(spec, model, addBos, generators).ids();
            ids.add(sample);
            dense.add(logits(sample, new DensePolicy(), ArtifactResolver.NONE));
        }
    }

    private float[][] logits(
            int[] sample,
            dev.headroom.attention.policy.AttentionPolicy policy,
            ArtifactResolver artifacts) {
        try (RuntimeSequence seq = model.open(policy, sample.length, artifacts)) {
            return seq.prefillAll(sample);
        }
    }

    /**
     * Decides {@code layer}'s chosen heads and records the decisions in {@code linearPart}; each
     * trial's maps are written under {@code root} (a folder per trial, laid out as a run directory,
     * since artifacts are cached per JVM by path).
     */
    List<LinearGate.Decision> decide(
            int layer,
            boolean[][] chosen,
            HedgehogMaps[][] maps,
            boolean[][] linearPart,
            Path root) {
        boolean[][] upTo = new boolean[chosen.length][];
        HedgehogMaps[][] known = new HedgehogMaps[maps.length][];
        for (int l = 0; l < chosen.length; l++) {
            upTo[l] = new boolean[chosen[l].length];
            known[l] = new HedgehogMaps[maps[l].length];
            for (int h = 0; h < chosen[l].length; h++) {
                upTo[l][h] = l <= layer && chosen[l][h];
                if (upTo[l][h]) known[l][h] = maps[l][h];
            }
        }
        LinearHeadsPolicy policy = new LinearHeadsPolicy(new DensePolicy(), upTo, true, "gate");
        List<LinearGate.Decision> out =
                LinearGate.decide(
                        layer,
                        chosen[layer],
                        on -> {
                            boolean[][] parts = new boolean[linearPart.length][];
                            for (int l = 0; l < parts.length; l++)
                                parts[l] = l == layer ? on.clone() : linearPart[l].clone();
                            Path dir = root.resolve("trial_" + trials++);
                            try {
                                new LinearHeads(known, parts).write(dir.resolve(LinearHeads.FILE));
                            } catch (IOException e) {
                                throw new UncheckedIOException(e);
                            }
                            ArtifactResolver artifacts = ArtifactResolver.under(dir);
                            double sum = 0;
                            for (int i = 0; i < ids.size(); i++)
                                sum +=
                                        LinearGate.meanKl(
                                                dense.get(i),
                                                logits(ids.get(i), policy, artifacts));
                            return sum / ids.size();
                        });
        for (LinearGate.Decision d : out) linearPart[layer][d.kvHead()] = d.linearPart();
        return out;
    }
}
