package dev.headroom.stages.linearize;

import dev.headroom.attention.HeadroomException;
import dev.headroom.attention.model.ModelConfig;
import dev.headroom.attention.plan.AttentionPlan;
import dev.headroom.attention.plan.ModelIdentity;
import dev.headroom.attention.plan.PlanFiles;
import dev.headroom.pipeline.api.StageContext;
import dev.headroom.pipeline.report.ParquetTables;
import dev.headroom.plan.profile.ProfileRow;
import dev.headroom.stages.shared.ProfileSettings;
import dev.headroom.stages.shared.ProfileTables;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Which KV heads the stage linearizes, [layer][KV head], as {@code heads:} says. */
final class HeadSelection {
    private HeadSelection() {}

    static boolean[][] choose(LinearizeParams params, StageContext context) {
        ModelConfig c = context.model().config();
        boolean[][] chosen = new boolean[c.numLayers()][c.numKvHeads()];
        switch (params.headsOrDefault()) {
            case ALL -> {
                for (boolean[] layer : chosen) java.util.Arrays.fill(layer, true);
            }
            case STREAMING -> {
                Path file = context.artifacts().resolve(params.planOrDefault());
                AttentionPlan plan =
                        PlanFiles.readFor(
                                        file,
                                        c,
                                        ModelIdentity.configHash(context.model().directory()),
                                        PlanFiles.Defaults.DUO_ATTENTION)
                                .plan();
                for (int l = 0; l < chosen.length; l++)
                    for (int h = 0; h < chosen[l].length; h++)
                        chosen[l][h] = !plan.head(l, h).isFull();
            }
            case RETRIEVAL_BELOW -> {
                double[][] score = perKvHead(profile(context), c, "retrieval_score", null);
                for (int l = 0; l < chosen.length; l++)
                    for (int h = 0; h < chosen[l].length; h++)
                        chosen[l][h] = score[l][h] < params.retrievalThreshold();
            }
            case FRACTION -> {
                int block = ProfileSettings.read(context.artifacts()).block();
                int firstBin = (int) Math.ceil(params.training().window() / (double) block);
                double[][] influence = perKvHead(profile(context), c, "influence_bin_", firstBin);
                List<int[]> order = new ArrayList<>();
                for (int l = 0; l < chosen.length; l++)
                    for (int h = 0; h < chosen[l].length; h++) order.add(new int[] {l, h});
                order.sort(Comparator.comparingDouble(lh -> influence[lh[0]][lh[1]]));
                int n = (int) Math.round(params.fraction() * order.size());
                for (int i = 0; i < n; i++) chosen[order.get(i)[0]][order.get(i)[1]] = true;
            }
        }
        return chosen;
    }

    private static List<ProfileRow> profile(StageContext context) {
        Path table = context.reports().resolve(ProfileTables.HEADS.fileName());
        if (!Files.isRegularFile(table))
            throw new HeadroomException(
                    table + ": not found; this head choice needs a profile stage before it");
        return ParquetTables.read(ProfileTables.HEADS, table);
    }

    /**
     * Per KV head: the largest over its query heads of the value averaged over lengths; for
     * influence bins ({@code firstBin} set), the sum of the bins from firstBin on (keys farther
     * than the window).
     */
    static double[][] perKvHead(
            List<ProfileRow> rows, ModelConfig c, String metric, Integer firstBin) {
        double[][] sum = new double[c.numLayers()][c.numHeads()];
        java.util.Set<Integer> lengths = new java.util.TreeSet<>();
        for (ProfileRow r : rows) {
            boolean match =
                    firstBin == null
                            ? r.metric().equals(metric)
                            : r.metric().startsWith(metric)
                                    && Integer.parseInt(r.metric().substring(metric.length()))
                                            >= firstBin;
            if (!match) continue;
            sum[r.layer()][r.head()] += r.value();
            lengths.add(r.length());
        }
        double[][] out = new double[c.numLayers()][c.numKvHeads()];
        for (int l = 0; l < out.length; l++)
            for (int q = 0; q < c.numHeads(); q++) {
                int kv = q / c.groupSize();
                out[l][kv] = Math.max(out[l][kv], sum[l][q] / Math.max(1, lengths.size()));
            }
        return out;
    }
}
