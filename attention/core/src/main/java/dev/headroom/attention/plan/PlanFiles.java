package dev.headroom.attention.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.headroom.attention.HeadroomException;
import dev.headroom.attention.model.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Reads a plan in any of the three formats, told apart by content: headroom's {@code plan.json}
 * ({@code format: headroom-plan}, {@link HeadroomPlanReader}), MoA's {@code {"alphas", "betas"}}
 * ({@link MoaPlanReader}) and DuoAttention's {@code full_attention_heads.tsv} (a {@code .tsv}, or
 * any file that is not a JSON object; {@link DuoPlanReader}). Every problem is one line that starts
 * with the file.
 */
public final class PlanFiles {
    public enum Format {
        HEADROOM,
        MOA,
        DUO;

        /**
         * Whether the format carries each head's sink (and its model's identity); the others take
         * them from the caller.
         */
        public boolean selfContained() {
            return this == HEADROOM;
        }
    }

    /**
     * What the foreign formats leave out: the sink (MoA and DuoAttention) and the streaming window
     * (DuoAttention).
     */
    public record Defaults(int sink, int window) {
        public static final Defaults DUO_ATTENTION =
                new Defaults(DuoPlanReader.DEFAULT_SINK, DuoPlanReader.DEFAULT_WINDOW);
    }

    /** A plan and the format it was read from. */
    public record Read(AttentionPlan plan, Format format) {}

    private PlanFiles() {}

    /** MoA's and DuoAttention's files as the search stage exports them beside {@code plan.json}. */
    public static final String MOA_FILE = "moa_plan.json",
            DUO_TSV_FILE = "full_attention_heads.tsv";

    /**
     * The format a file name suggests before the file exists: {@code .tsv} is DuoAttention's,
     * {@value #MOA_FILE} MoA's, anything else headroom's (the content decides once the file is
     * read).
     */
    public static Format formatOfName(String name) {
        String n = Path.of(name).getFileName().toString().toLowerCase(Locale.ROOT);
        if (n.endsWith(".tsv")) return Format.DUO;
        return n.equals(MOA_FILE) ? Format.MOA : Format.HEADROOM;
    }

    /**
     * Reads the file; foreign formats are shaped by {@code model} (their head counts must fit it).
     */
    public static Read read(Path file, ModelConfig model, Defaults defaults) {
        if (!Files.isRegularFile(file)) throw new HeadroomException(file + ": plan file not found");
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new HeadroomException(file + ": cannot read: " + e.getMessage());
        }
        String lower = file.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean json = lower.endsWith(".json") || text.stripLeading().startsWith("{");
        if (lower.endsWith(".tsv") || (!json && looksLikeTsv(text))) {
            return new Read(
                    DuoPlanReader.read(file, text, model, defaults.sink(), defaults.window()),
                    Format.DUO);
        }
        if (!json) throw notAPlan(file);
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(text);
        } catch (IOException e) {
            throw new HeadroomException(
                    file + ": not valid JSON: " + e.getMessage().split("\n")[0]);
        }
        if (HeadroomPlanReader.matches(root))
            return new Read(HeadroomPlanReader.read(file, root), Format.HEADROOM);
        if (MoaPlanReader.matches(root))
            return new Read(MoaPlanReader.read(file, root, model, defaults.sink()), Format.MOA);
        throw notAPlan(file);
    }

    private static HeadroomException notAPlan(Path file) {
        return new HeadroomException(
                file
                        + ": not a plan: expected headroom's plan.json (\"format\": \""
                        + HeadroomPlanReader.FORMAT
                        + "\"), MoA's {\"alphas\": [[...]], \"betas\": [[...]]} or DuoAttention's full_attention_heads.tsv");
    }

    /**
     * A file of another extension is DuoAttention's when its first value (past blank lines and #
     * comments) is a number.
     */
    private static boolean looksLikeTsv(String text) {
        for (String line : text.split("\r?\n")) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) continue;
            try {
                Double.parseDouble(l.split("\\s+")[0]);
                return true;
            } catch (NumberFormatException e) {
                return false;
            }
        }
        return false;
    }

    /**
     * Reads the file and checks it is for this model: a headroom plan by its config sha256 ({@code
     * modelConfigHash}, see {@link ModelIdentity}), a foreign one (no hash) by its head counts;
     * either way one span per (layer, KV head).
     */
    public static Read readFor(
            Path file, ModelConfig model, String modelConfigHash, Defaults defaults) {
        Read r = read(file, model, defaults);
        String hash = r.plan().modelConfigHash();
        if (r.format().selfContained() && !hash.equals(modelConfigHash)) {
            throw new HeadroomException(
                    file
                            + ": the plan was made for another model (config sha256 "
                            + (hash.isEmpty() ? "missing" : hash)
                            + ", this model's is "
                            + modelConfigHash
                            + ")");
        }
        r.plan().checkFits(model, file);
        return r;
    }
}
