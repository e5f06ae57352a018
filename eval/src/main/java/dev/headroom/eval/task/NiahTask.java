package dev.headroom.eval.task;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * RULER needle-in-a-haystack with word keys and number values, scored by {@link StringMatchAll}.
 * The variants differ only in counts:
 *
 * <ul>
 *   <li>{@link #single}: one key, one value (niah_single);
 *   <li>{@link #multiKey}: one asked key among distractor keys (niah_multikey);
 *   <li>{@link #multiValue}: several values for the asked key (niah_multivalue);
 *   <li>{@link #multiQuery}: several keys asked at once (niah_multiquery).
 * </ul>
 *
 * The haystack is RULER's repeat haystack unless {@link #withHaystack} gives a text.
 *
 * <p>Placement: the first needle of the first asked key goes to the requested depth; every other
 * needle (further values, other asked keys, distractors) to a random depth, as RULER scatters them.
 * Needle spans cover the values of the asked keys; answers list those values in question order.
 */
public final class NiahTask implements TaskGenerator {

    public static final String SINGLE = "niah_single";
    public static final String MULTI_KEY = "niah_multikey";
    public static final String MULTI_VALUE = "niah_multivalue";
    public static final String MULTI_QUERY = "niah_multiquery";

    /** RULER's values are 7-digit numbers. */
    public static final int DEFAULT_VALUE_DIGITS = 7;

    /** RULER's tokens_to_generate for niah. */
    public static final int DEFAULT_MAX_NEW_TOKENS = 128;

    /** RULER's counts for the multi variants. */
    public static final int RULER_MULTI_COUNT = 4;

    private final String name;
    private final TokenCounter counter;
    private final Haystack haystack;
    private final int numKeys;
    private final int numValues;
    private final int numQueries;
    private final int valueDigits;
    private final GeneratorOptions options;

    /**
     * @param numKeys keys with needles in the haystack (asked plus distractors), at least
     *     numQueries
     * @param numValues values (needles) per key
     * @param numQueries keys asked for
     */
    public NiahTask(
            String name,
            TokenCounter counter,
            Haystack haystack,
            int numKeys,
            int numValues,
            int numQueries,
            int valueDigits,
            GeneratorOptions options) {
        if (numQueries < 1 || numValues < 1 || numKeys < numQueries) {
            throw new IllegalArgumentException(
                    "need 1 <= numQueries <= numKeys and numValues >= 1, got keys="
                            + numKeys
                            + " values="
                            + numValues
                            + " queries="
                            + numQueries);
        }
        this.name = name;
        this.counter = counter;
        this.haystack = haystack;
        this.numKeys = numKeys;
        this.numValues = numValues;
        this.numQueries = numQueries;
        this.valueDigits = valueDigits;
        this.options = options;
    }

    public static NiahTask single(TokenCounter counter) {
        return new NiahTask(
                SINGLE,
                counter,
                Haystack.repeat(),
                1,
                1,
                1,
                DEFAULT_VALUE_DIGITS,
                GeneratorOptions.DEFAULT);
    }

    public static NiahTask multiKey(TokenCounter counter) {
        return new NiahTask(
                MULTI_KEY,
                counter,
                Haystack.repeat(),
                RULER_MULTI_COUNT,
                1,
                1,
                DEFAULT_VALUE_DIGITS,
                GeneratorOptions.DEFAULT);
    }

    public static NiahTask multiValue(TokenCounter counter) {
        return new NiahTask(
                MULTI_VALUE,
                counter,
                Haystack.repeat(),
                1,
                RULER_MULTI_COUNT,
                1,
                DEFAULT_VALUE_DIGITS,
                GeneratorOptions.DEFAULT);
    }

    public static NiahTask multiQuery(TokenCounter counter) {
        return new NiahTask(
                MULTI_QUERY,
                counter,
                Haystack.repeat(),
                RULER_MULTI_COUNT,
                1,
                RULER_MULTI_COUNT,
                DEFAULT_VALUE_DIGITS,
                GeneratorOptions.DEFAULT);
    }

    /**
     * The same task over another haystack, e.g. {@code Haystack.text(paragraphs, "\n")}; the name
     * is kept.
     */
    public NiahTask withHaystack(Haystack newHaystack) {
        return new NiahTask(
                name, counter, newHaystack, numKeys, numValues, numQueries, valueDigits, options);
    }

    public NiahTask withName(String newName) {
        return new NiahTask(
                newName, counter, haystack, numKeys, numValues, numQueries, valueDigits, options);
    }

    public NiahTask withValueDigits(int digits) {
        return new NiahTask(
                name, counter, haystack, numKeys, numValues, numQueries, digits, options);
    }

    public NiahTask withOptions(GeneratorOptions newOptions) {
        return new NiahTask(
                name, counter, haystack, numKeys, numValues, numQueries, valueDigits, newOptions);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public TaskCase generate(int targetLength, double depth, int sampleIndex, long seed) {
        TaskGenerator.checkCoordinates(targetLength, depth, sampleIndex);
        Random rng = Seeds.caseRandom(seed, name, targetLength, depth, sampleIndex);
        Split split = options.split();
        List<String> keys = SplitSampler.distinctKeyWords(rng, numKeys, split);
        List<String> allValues =
                SplitSampler.distinctNumbers(rng, numKeys * numValues, valueDigits, split);
        List<Integer> keyOrder = new ArrayList<>();
        for (int k = 0; k < numKeys; k++) {
            keyOrder.add(k);
        }
        Collections.shuffle(keyOrder, rng);
        List<Integer> askedKeys = keyOrder.subList(0, numQueries);

        List<HaystackPrompt.Needle> needles = new ArrayList<>();
        List<String> answers = new ArrayList<>();
        for (int k = 0; k < numKeys; k++) {
            boolean asked = askedKeys.contains(k);
            for (int v = 0; v < numValues; v++) {
                String value = allValues.get(k * numValues + v);
                boolean main = k == askedKeys.get(0) && v == 0;
                double fraction = main ? depth : rng.nextDouble();
                needles.add(
                        new HaystackPrompt.Needle(
                                fraction,
                                Templates.niahNeedle(keys.get(k), value),
                                asked ? List.of(value) : List.of()));
            }
        }
        List<String> askedKeyWords = new ArrayList<>();
        for (int k : askedKeys) {
            askedKeyWords.add(keys.get(k));
            answers.addAll(allValues.subList(k * numValues, (k + 1) * numValues));
        }
        double fillFraction = options.drawFillFraction(rng);

        boolean singleAnswer = numQueries * numValues == 1;
        String query = Templates.joinAsList(askedKeyWords);
        HaystackPrompt builder =
                new HaystackPrompt(
                        counter,
                        haystack,
                        "\n",
                        Templates.niahIntro(singleAnswer) + "\n",
                        "\n" + Templates.niahQuestion(query, singleAnswer),
                        needles);
        HaystackPrompt.Built built = builder.build(targetLength, fillFraction);
        return TaskCase.text(
                name,
                targetLength,
                depth,
                sampleIndex,
                seed,
                built.prompt(),
                built.tokens(),
                answers,
                " " + Templates.joinAsList(answers) + ".",
                options.maxNewTokensOr(DEFAULT_MAX_NEW_TOKENS),
                built.needleSpans(),
                new StringMatchAll());
    }
}
