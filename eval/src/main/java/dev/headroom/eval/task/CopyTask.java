package dev.headroom.eval.task;

import java.util.List;
import java.util.Random;

/**
 * Copy probe for models without a tokenizer: {@code prefix, s1..sn, s1..sn} with random ids drawn
 * (with replacement) from a given set. Teacher-forced through the second copy, the model's
 * next-token prediction at each position from the second copy's first token on must be the next
 * copied token (n - 1 scored predictions). Needle span: the first copy. Depth is recorded but
 * unused.
 */
public final class CopyTask implements TaskGenerator {

    public static final String NAME = "copy";

    private final IdSet ids;
    private final int[] prefixIds;
    private final Split split;

    public CopyTask(IdSet ids) {
        this(ids, new int[0], Split.ANY);
    }

    /**
     * @param prefixIds ids put before the sequence, e.g. the model's BOS id
     */
    public CopyTask(IdSet ids, int[] prefixIds, Split split) {
        this.ids = ids.restrictedTo(split);
        this.prefixIds = prefixIds.clone();
        this.split = split;
    }

    public CopyTask withPrefixIds(int... prefix) {
        return new CopyTask(ids, prefix, split);
    }

    @Override
    public String name() {
        return NAME;
    }

    /** The prompt has {@code prefix + 2n <= targetLength} ids with n as large as possible. */
    @Override
    public TaskCase generate(int targetLength, double depth, int sampleIndex, long seed) {
        TaskGenerator.checkCoordinates(targetLength, depth, sampleIndex);
        int n = (targetLength - prefixIds.length) / 2;
        if (n < 2) {
            throw new IllegalArgumentException(
                    "length "
                            + targetLength
                            + " too short to copy after a prefix of "
                            + prefixIds.length);
        }
        Random rng = Seeds.caseRandom(seed, NAME, targetLength, depth, sampleIndex);
        int p = prefixIds.length;
        int[] prompt = new int[p + 2 * n];
        System.arraycopy(prefixIds, 0, prompt, 0, p);
        for (int i = 0; i < n; i++) {
            prompt[p + i] = ids.get(rng.nextInt(ids.size()));
            prompt[p + n + i] = prompt[p + i];
        }
        int[] positions = new int[n - 1];
        int[] expected = new int[n - 1];
        for (int j = 0; j < n - 1; j++) {
            positions[j] = p + n + j;
            expected[j] = prompt[p + n + j + 1];
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
                List.of(new NeedleSpan(p, p + n)));
    }
}
