package dev.headroom.attention.plan;

import com.fasterxml.jackson.databind.JsonNode;
import dev.headroom.attention.HeadroomException;
import dev.headroom.attention.model.ModelConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * MoA's plan format, {@code moa_plan.json} as the search stage exports it ({@code
 * PlanExports.moa}): {@code {"alphas": [[...]], "betas": [[...]]}} indexed [layer][query head],
 * each head's recent window S(N) = alpha + beta N; beta >= 1 is a full head (exported as alpha 0,
 * beta 1). The file carries neither a sink nor the model's identity: the sink is given ({@code
 * sink:} of {@code method: plan}), and the shape must match the model (layers x query heads).
 * headroom plans per KV head, so a GQA group's query heads share one span: the widest of the group
 * (the largest alpha and the largest beta), which the exports write for every query head alike.
 */
public final class MoaPlanReader {
    private MoaPlanReader() {}

    /**
     * Whether a parsed JSON file looks like MoA's format: top-level {@code alphas} and {@code
     * betas}.
     */
    public static boolean matches(JsonNode root) {
        return root != null && root.isObject() && root.has("alphas") && root.has("betas");
    }

    public static AttentionPlan read(Path file, JsonNode root, ModelConfig model, int sink) {
        if (!matches(root))
            throw new HeadroomException(
                    file + ": not a MoA plan (no top-level \"alphas\" and \"betas\")");
        double[][] alphas = matrix(file, root.get("alphas"), "alphas", model),
                betas = matrix(file, root.get("betas"), "betas", model);
        int group = model.groupSize();
        List<HeadSpan> heads = new ArrayList<>();
        for (int l = 0; l < model.numLayers(); l++) {
            for (int k = 0; k < model.numKvHeads(); k++) {
                double alpha = 0, beta = 0;
                for (int q = k * group; q < (k + 1) * group; q++) {
                    alpha = Math.max(alpha, alphas[l][q]);
                    beta = Math.max(beta, betas[l][q]);
                }
                heads.add(
                        beta >= 1
                                ? new HeadSpan(l, k, "full", sink, 0, 1.0)
                                : new HeadSpan(l, k, "window", sink, alpha, beta));
            }
        }
        return new AttentionPlan(
                "moa",
                "",
                Double.NaN,
                List.of(),
                heads,
                new LinkedHashMap<>(),
                new LinkedHashMap<>());
    }

    private static double[][] matrix(Path file, JsonNode node, String key, ModelConfig model) {
        if (!node.isArray())
            throw new HeadroomException(
                    file + ": \"" + key + "\" must be a list per layer of lists per query head");
        if (node.size() != model.numLayers()) {
            throw new HeadroomException(
                    file
                            + ": \""
                            + key
                            + "\" has "
                            + node.size()
                            + " layers but the model has "
                            + model.numLayers());
        }
        double[][] out = new double[node.size()][];
        for (int l = 0; l < node.size(); l++) {
            JsonNode row = node.get(l);
            if (!row.isArray() || row.size() != model.numHeads()) {
                throw new HeadroomException(
                        file
                                + ": "
                                + key
                                + "["
                                + l
                                + "] has "
                                + (row.isArray() ? row.size() + " heads" : "no list")
                                + " but the model has "
                                + model.numHeads()
                                + " query heads per layer");
            }
            out[l] = new double[row.size()];
            for (int h = 0; h < row.size(); h++) {
                JsonNode v = row.get(h);
                if (!v.isNumber() || !Double.isFinite(v.asDouble()) || v.asDouble() < 0) {
                    throw new HeadroomException(
                            file
                                    + ": "
                                    + key
                                    + "["
                                    + l
                                    + "]["
                                    + h
                                    + "] = "
                                    + v
                                    + "; must be a number >= 0");
                }
                out[l][h] = v.asDouble();
            }
        }
        return out;
    }
}
