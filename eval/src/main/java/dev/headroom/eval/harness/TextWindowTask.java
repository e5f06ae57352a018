package dev.headroom.eval.harness;

import dev.headroom.eval.task.CellCoordinate;
import dev.headroom.eval.task.Scoring;
import dev.headroom.eval.task.TaskCase;
import dev.headroom.eval.task.TaskGenerator;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code kl} probe: a window of a given token sequence, run teacher-forced with dense attention
 * and with the method and compared position by position ({@link Scoring.CompareToDense}; see {@link
 * CaseRunner}): KL divergence, the method's perplexity on the next ids, top-1 agreement. Works for
 * any model: the text is encoded with the model's tokenizer, or given as token ids when the model
 * has none.
 *
 * <p>A window starts at the start of a document, so every id it scores is predicted from the ids
 * that precede it in the sequence. (A window cut mid-document puts the BOS id, or nothing, before
 * ids that do not follow it: on stories260K's greedy continuation of BOS such windows have a dense
 * perplexity of 100 to 2400, above the vocabulary of 512, against 2.6 from the start.) The sequence
 * is split into documents after each {@code documentStartId} (the model's BOS id): an id file may
 * hold several documents, each after a BOS id; a sequence without that id is one document.
 *
 * <p>The window of (length, depth, sample) starts at document {@code (round(depth * (m - 1)) +
 * sample) mod m} of the m documents: the prompt is the prefix, then the ids from that document's
 * start on (through later documents, with the BOS ids between them) until it has {@code length} ids
 * or the sequence ends; it never wraps around. Coordinates that pick the same document give the
 * same case; {@link #distinctCoordinates} keeps one of them.
 */
public final class TextWindowTask implements TaskGenerator {

    public static final String NAME = "kl";

    private final int[] ids;
    private final int[] prefix;

    /** Where each document starts in {@link #ids}, ascending. */
    private final int[] documentStarts;

    /**
     * A sequence of one document.
     *
     * @param prefix ids put before each window (the BOS id, or none)
     */
    public TextWindowTask(int[] ids, int[] prefix) {
        this(ids, prefix, -1);
    }

    /**
     * @param prefix ids put before each window (the BOS id, or none)
     * @param documentStartId the id after which a document starts (the model's BOS id), or -1: one
     *     document
     */
    public TextWindowTask(int[] ids, int[] prefix, int documentStartId) {
        if (ids.length < 2) {
            throw new IllegalArgumentException(
                    "the kl text has " + ids.length + " tokens; it needs at least 2");
        }
        this.ids = ids.clone();
        this.prefix = prefix.clone();
        this.documentStarts = documentStarts(ids, documentStartId);
    }

    private static int[] documentStarts(int[] ids, int startId) {
        List<Integer> starts = new ArrayList<>();
        for (int i = 0; i < ids.length; i++) {
            boolean afterSeparator = i == 0 || ids[i - 1] == startId;
            if (afterSeparator && ids[i] != startId) {
                starts.add(i);
            }
        }
        if (starts.isEmpty()) {
            throw new IllegalArgumentException(
                    "the kl text holds only document separators (id " + startId + ")");
        }
        return starts.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public String name() {
        return NAME;
    }

    /** Number of documents in the sequence. */
    public int documents() {
        return documentStarts.length;
    }

    /** The document the window of (depth, sample) starts at. */
    int documentIndex(double depth, int sampleIndex) {
        int m = documentStarts.length;
        return (int) ((Math.round(depth * (m - 1)) + sampleIndex) % m);
    }

    @Override
    public TaskCase generate(int targetLength, double depth, int sampleIndex, long seed) {
        TaskGenerator.checkCoordinates(targetLength, depth, sampleIndex);
        int n = targetLength - prefix.length;
        if (n < 2) {
            throw new IllegalArgumentException(
                    "length " + targetLength + " leaves no room for text after the prefix");
        }
        int start = documentStarts[documentIndex(depth, sampleIndex)];
        int take = Math.min(n, ids.length - start);
        int[] prompt = new int[prefix.length + take];
        System.arraycopy(prefix, 0, prompt, 0, prefix.length);
        System.arraycopy(ids, start, prompt, prefix.length, take);
        if (prompt.length < 2) {
            throw new IllegalArgumentException(
                    "the kl window at id " + start + " has a single id: nothing to predict");
        }
        // Every position but the last predicts the next id: perplexity is taken over these.
        int[] positions = new int[prompt.length - 1];
        int[] expected = new int[prompt.length - 1];
        for (int i = 0; i < positions.length; i++) {
            positions[i] = i;
            expected[i] = prompt[i + 1];
        }
        return TaskCase.tokens(
                NAME,
                targetLength,
                depth,
                sampleIndex,
                seed,
                prompt,
                positions,
                expected,
                List.of(),
                new Scoring.CompareToDense());
    }

    /**
     * One coordinate per document the cell's windows start at: the window ignores the seed and all
     * but the document.
     */
    @Override
    public List<CellCoordinate> distinctCoordinates(
            int targetLength, List<Double> depths, int samples, long seed) {
        List<CellCoordinate> kept = new ArrayList<>();
        boolean[] seen = new boolean[documentStarts.length];
        for (double depth : depths) {
            for (int s = 0; s < samples; s++) {
                int k = documentIndex(depth, s);
                if (!seen[k]) {
                    seen[k] = true;
                    kept.add(new CellCoordinate(depth, s));
                }
            }
        }
        return kept;
    }

    /** Parses token ids separated by whitespace or commas (for models without a tokenizer). */
    public static int[] parseIds(String text) {
        String trimmed = text.trim();
        if (trimmed.isEmpty()) {
            return new int[0];
        }
        String[] parts = trimmed.split("[\\s,]+");
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                out[i] = Integer.parseInt(parts[i]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "'" + parts[i] + "' (item " + (i + 1) + ") is not a token id");
            }
        }
        return out;
    }
}
