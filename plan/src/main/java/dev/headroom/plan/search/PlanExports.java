package dev.headroom.plan.search;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.headroom.attention.AtomicFiles;
import dev.headroom.attention.plan.AttentionPlan;
import dev.headroom.attention.plan.HeadSpan;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes a plan in other tools' formats: MoA's alphas/betas per query head, DuoAttention's
 * full_attention_heads.tsv.
 */
public final class PlanExports {
    private PlanExports() {}

    /**
     * {"alphas": [[...]], "betas": [[...]]} indexed [layer][query head]; full heads get alpha = 0,
     * beta = 1.
     */
    public static Map<String, double[][]> moa(
            AttentionPlan plan, int layers, int kvHeads, int groupSize) {
        double[][] alphas = new double[layers][kvHeads * groupSize],
                betas = new double[layers][kvHeads * groupSize];
        for (HeadSpan h : plan.heads()) {
            for (int q = 0; q < groupSize; q++) {
                alphas[h.layer()][h.kvHead() * groupSize + q] = h.isFull() ? 0 : h.alpha();
                betas[h.layer()][h.kvHead() * groupSize + q] = h.isFull() ? 1 : h.beta();
            }
        }
        Map<String, double[][]> out = new LinkedHashMap<>();
        out.put("alphas", alphas);
        out.put("betas", betas);
        return out;
    }

    /**
     * One row per layer, one column per KV head: 1 for a full-cache (retrieval) head, 0 otherwise.
     */
    public static String duoTsv(AttentionPlan plan, int layers, int kvHeads) {
        int[][] full = new int[layers][kvHeads];
        for (HeadSpan h : plan.heads()) full[h.layer()][h.kvHead()] = h.isFull() ? 1 : 0;
        StringBuilder sb = new StringBuilder();
        for (int[] row : full) {
            for (int k = 0; k < row.length; k++) sb.append(k == 0 ? "" : "\t").append(row[k]);
            sb.append('\n');
        }
        return sb.toString();
    }

    public static void writeAll(
            AttentionPlan plan, Path dir, int layers, int kvHeads, int groupSize)
            throws IOException {
        AtomicFiles.writeString(
                dir.resolve("moa_plan.json"),
                new ObjectMapper().writeValueAsString(moa(plan, layers, kvHeads, groupSize)));
        AtomicFiles.writeString(
                dir.resolve("full_attention_heads.tsv"), duoTsv(plan, layers, kvHeads));
    }
}
