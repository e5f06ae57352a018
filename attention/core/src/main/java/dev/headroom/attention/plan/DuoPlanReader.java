package dev.headroom.attention.plan;

import dev.headroom.attention.HeadroomException;
import dev.headroom.attention.model.ModelConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * DuoAttention's plan format, {@code full_attention_heads.tsv}: a row per layer, a tab-separated
 * column per KV head, 1 for a retrieval head (full cache) and 0 for a streaming head.
 * DuoAttention's own files hold its trained gate values in [0, 1] (numpy's {@code savetxt}, e.g.
 * {@code 9.5e-01}); like its tools, values are clipped to [0, 1] and a head is full when its value
 * is >= 0.5 (its default {@code --threshold}). Blank lines and {@code #} comments are skipped. The
 * TSV does not carry the streaming heads' sink and recent window (DuoAttention keeps them in a
 * {@code config.json} beside it): they are given, by default DuoAttention's {@value #DEFAULT_SINK}
 * and {@value #DEFAULT_WINDOW}.
 */
public final class DuoPlanReader {
    /** DuoAttention's defaults: {@code --sink_size 64}, {@code --recent_size 256}. */
    public static final int DEFAULT_SINK = 64, DEFAULT_WINDOW = 256;

    public static final double THRESHOLD = 0.5;

    private DuoPlanReader() {}

    public static AttentionPlan read(
            Path file, String text, ModelConfig model, int sink, int window) {
        List<HeadSpan> heads = new ArrayList<>();
        String[] lines = text.split("\r?\n", -1);
        int layer = 0;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            String where = file + ":" + (i + 1);
            if (layer >= model.numLayers()) {
                throw new HeadroomException(
                        where + ": more than the model's " + model.numLayers() + " layers");
            }
            String[] cells = line.split("\\s+");
            if (cells.length != model.numKvHeads()) {
                throw new HeadroomException(
                        where
                                + ": layer "
                                + layer
                                + " has "
                                + cells.length
                                + " values but the model has "
                                + model.numKvHeads()
                                + " KV heads"
                                + (cells.length == model.numHeads()
                                                && model.numHeads() != model.numKvHeads()
                                        ? " (a value per query head; DuoAttention's TSV has one per KV head)"
                                        : ""));
            }
            for (int k = 0; k < cells.length; k++) {
                double v;
                try {
                    v = Double.parseDouble(cells[k]);
                } catch (NumberFormatException e) {
                    throw new HeadroomException(
                            where + ": column " + (k + 1) + " is '" + cells[k] + "', not a number");
                }
                if (Double.isNaN(v))
                    throw new HeadroomException(where + ": column " + (k + 1) + " is NaN");
                boolean full = Math.min(1, Math.max(0, v)) >= THRESHOLD;
                heads.add(
                        full
                                ? new HeadSpan(layer, k, "retrieval", sink, 0, 1.0)
                                : new HeadSpan(layer, k, "streaming", sink, window, 0));
            }
            layer++;
        }
        if (layer == 0)
            throw new HeadroomException(
                    file + ": no rows; expected a row per layer of 0/1 per KV head");
        if (layer != model.numLayers()) {
            throw new HeadroomException(
                    file
                            + ": "
                            + layer
                            + " rows but the model has "
                            + model.numLayers()
                            + " layers");
        }
        return new AttentionPlan(
                "duo",
                "",
                Double.NaN,
                List.of(),
                heads,
                new LinkedHashMap<>(),
                new LinkedHashMap<>());
    }
}
