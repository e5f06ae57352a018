package dev.headroom.eval.task;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Multi-query associative recall in words, for models with a tokenizer: a block of word-number
 * pairs ("apple 4821. river 9134. ...") hidden at the requested depth of the repeat haystack, then
 * a question naming several of the words; the answer lists their numbers. Scored by {@link
 * StringMatchAll}; answers are the asked numbers in question order; needle spans cover them.
 */
public final class MqarTextTask implements TaskGenerator {

    public static final String NAME = "mqar_text";
    public static final int DEFAULT_PAIRS = 8; // Zoology's default; HELD_OUT has only 12 key words
    public static final int DEFAULT_QUERIES = 4;
    public static final int DEFAULT_VALUE_DIGITS = 4;

    private final TokenCounter counter;
    private final Haystack haystack;
    private final int numKvPairs;
    private final int numQueries;
    private final int valueDigits;
    private final GeneratorOptions options;

    public MqarTextTask(TokenCounter counter) {
        this(
                counter,
                Haystack.repeat(),
                DEFAULT_PAIRS,
                DEFAULT_QUERIES,
                DEFAULT_VALUE_DIGITS,
                GeneratorOptions.DEFAULT);
    }

    public MqarTextTask(
            TokenCounter counter,
            Haystack haystack,
            int numKvPairs,
            int numQueries,
            int valueDigits,
            GeneratorOptions options) {
        if (numQueries < 1 || numQueries > numKvPairs) {
            throw new IllegalArgumentException(
                    "need 1 <= numQueries <= numKvPairs, got " + numQueries + ", " + numKvPairs);
        }
        this.counter = counter;
        this.haystack = haystack;
        this.numKvPairs = numKvPairs;
        this.numQueries = numQueries;
        this.valueDigits = valueDigits;
        this.options = options;
    }

    public MqarTextTask withPairs(int pairs, int queries) {
        return new MqarTextTask(counter, haystack, pairs, queries, valueDigits, options);
    }

    public MqarTextTask withOptions(GeneratorOptions newOptions) {
        return new MqarTextTask(counter, haystack, numKvPairs, numQueries, valueDigits, newOptions);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public TaskCase generate(int targetLength, double depth, int sampleIndex, long seed) {
        TaskGenerator.checkCoordinates(targetLength, depth, sampleIndex);
        Random rng = Seeds.caseRandom(seed, NAME, targetLength, depth, sampleIndex);
        List<String> keys = SplitSampler.distinctKeyWords(rng, numKvPairs, options.split());
        List<String> values =
                SplitSampler.distinctNumbers(rng, numKvPairs, valueDigits, options.split());

        List<String> pairs = new ArrayList<>();
        for (int i = 0; i < numKvPairs; i++) {
            pairs.add(Templates.mqarPair(keys.get(i), values.get(i)));
        }
        // Ask a random subset, in random order.
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < numKvPairs; i++) {
            order.add(i);
        }
        java.util.Collections.shuffle(order, rng);
        List<String> askedKeys = new ArrayList<>();
        List<String> answers = new ArrayList<>();
        for (int i : order.subList(0, numQueries)) {
            askedKeys.add(keys.get(i));
            answers.add(values.get(i));
        }
        double fillFraction = options.drawFillFraction(rng);

        HaystackPrompt.Needle block =
                new HaystackPrompt.Needle(depth, String.join(" ", pairs), answers);
        HaystackPrompt builder =
                new HaystackPrompt(
                        counter,
                        haystack,
                        "\n",
                        Templates.MQAR_INTRO + "\n",
                        "\n"
                                + Templates.mqarQuestion(
                                        Templates.joinAsList(askedKeys), numQueries == 1),
                        List.of(block));
        HaystackPrompt.Built built = builder.build(targetLength, fillFraction);
        int maxNewTokens = options.maxNewTokensOr(numQueries * (valueDigits + 2) + 8);
        return TaskCase.text(
                NAME,
                targetLength,
                depth,
                sampleIndex,
                seed,
                built.prompt(),
                built.tokens(),
                answers,
                " " + Templates.joinAsList(answers) + ".",
                maxNewTokens,
                built.needleSpans(),
                new StringMatchAll());
    }
}
