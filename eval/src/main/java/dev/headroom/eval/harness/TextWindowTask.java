package dev.headroom.eval.harness;

import dev.headroom.eval.task.TaskCase;
import dev.headroom.eval.task.TaskGenerator;
import java.util.List;

/**
 * The {@code kl} probe: windows of a given token sequence, scored by comparing the method's
 * next-token distributions with the dense model's (KL divergence, perplexity, top-1 agreement; see
 * {@link CaseRunner}). Works for any model: the text is encoded with the model's tokenizer, or given
 * as token ids when the model has none. Sample {@code s} starts at offset {@code s * length / 2}
 * The window starts at {@code depth} of the way into the text (the room the text leaves beyond one
 * window), plus {@code sample * length / 2}, wrapping around; a text shorter than the window repeats.
 */
public final class TextWindowTask implements TaskGenerator {

    public static final String NAME = "kl";

    private final int[] ids;
    private final int[] prefix;

    /** @param prefix ids put before each window (the BOS id, or none) */
    public TextWindowTask(int[] ids, int[] prefix) {
        if (ids.length < 2) {
            throw new IllegalArgumentException("the kl text has " + ids.length + " tokens; it needs at least 2");
        }
        this.ids = ids.clone();
        this.prefix = prefix.clone();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public TaskCase generate(int targetLength, double depth, int sampleIndex, long seed) {
        TaskGenerator.checkCoordinates(targetLength, depth, sampleIndex);
        int n = targetLength - prefix.length;
        if (n < 2) {
            throw new IllegalArgumentException("length " + targetLength + " leaves no room for text after the prefix");
        }
        int[] prompt = new int[targetLength];
        System.arraycopy(prefix, 0, prompt, 0, prefix.length);
        long start = Math.round(depth * Math.max(0, ids.length - n)) + (long) sampleIndex * Math.max(1, n / 2);
        for (int i = 0; i < n; i++) {
            prompt[prefix.length + i] = ids[(int) ((start + i) % ids.length)];
        }
        // Every position but the last predicts the next id: perplexity is taken over these.
        int[] positions = new int[targetLength - 1];
        int[] expected = new int[targetLength - 1];
        for (int i = 0; i < positions.length; i++) {
            positions[i] = i;
            expected[i] = prompt[i + 1];
        }
        return new TaskCase(NAME, targetLength, depth, sampleIndex, seed, null, prompt, prompt.length, List.of(), null,
                positions, expected, 0, List.of(), null);
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
                throw new IllegalArgumentException("'" + parts[i] + "' (item " + (i + 1) + ") is not a token id");
            }
        }
        return out;
    }
}
