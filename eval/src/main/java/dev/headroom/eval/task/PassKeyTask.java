package dev.headroom.eval.task;

import java.util.List;
import java.util.Random;

/**
 * Passkey retrieval in the Landmark Attention / LongLoRA template: task description, the grass/sky
 * filler on one line, the pass-key line at the requested depth, then "What is the pass key? The
 * pass key is". Scored by {@link FirstIntegerMatch}. Needle spans cover both occurrences of the
 * key.
 */
public final class PassKeyTask implements TaskGenerator {

    public static final String NAME = "passkey";
    public static final int DEFAULT_KEY_DIGITS = 5;
    public static final int DEFAULT_MAX_NEW_TOKENS = 16;

    private final TokenCounter counter;
    private final int keyDigits;
    private final GeneratorOptions options;

    public PassKeyTask(TokenCounter counter) {
        this(counter, DEFAULT_KEY_DIGITS, GeneratorOptions.DEFAULT);
    }

    public PassKeyTask(TokenCounter counter, int keyDigits, GeneratorOptions options) {
        this.counter = counter;
        this.keyDigits = keyDigits;
        this.options = options;
    }

    public PassKeyTask withOptions(GeneratorOptions newOptions) {
        return new PassKeyTask(counter, keyDigits, newOptions);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public TaskCase generate(int targetLength, double depth, int sampleIndex, long seed) {
        TaskGenerator.checkCoordinates(targetLength, depth, sampleIndex);
        Random rng = Seeds.caseRandom(seed, NAME, targetLength, depth, sampleIndex);
        String key = SplitSampler.number(rng, keyDigits, options.split());
        double fillFraction = options.drawFillFraction(rng);

        // LongLoRA joins description, filler before, needle, filler after and question with
        // newlines.
        HaystackPrompt builder =
                new HaystackPrompt(
                        counter,
                        Haystack.repeatOnOneLine(),
                        "\n",
                        Templates.PASSKEY_TASK_DESCRIPTION + "\n",
                        "\n" + Templates.PASSKEY_QUESTION,
                        List.of(
                                new HaystackPrompt.Needle(
                                        depth, Templates.passKeyNeedle(key), List.of(key))));
        HaystackPrompt.Built built = builder.build(targetLength, fillFraction);
        return TaskCase.text(
                NAME,
                targetLength,
                depth,
                sampleIndex,
                seed,
                built.prompt(),
                built.tokens(),
                List.of(key),
                " " + key + ".",
                options.maxNewTokensOr(DEFAULT_MAX_NEW_TOKENS),
                built.needleSpans(),
                new FirstIntegerMatch());
    }
}
