package dev.headroom.eval.task;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * RULER variable tracking: chains "VAR A = 12345", "VAR B = VAR A", ... hidden in the repeat
 * haystack; the question gives the value and asks for every variable that ends up holding it.
 * Scored by {@link StringMatchAll} over the names of the asked chain.
 *
 * <p>Placement: the asked chain's first statement (the value) goes to the requested depth and its
 * hops to random later depths, in order; other chains (distractors) are spread at random, in order.
 * Needle spans cover every occurrence of the asked chain's names in its statements.
 */
public final class VariableTrackingTask implements TaskGenerator {

    public static final String NAME = "variable_tracking";

    /** RULER's defaults: one chain of four hops (five variables), five-digit values. */
    public static final int DEFAULT_CHAINS = 1;

    public static final int DEFAULT_HOPS = 4;
    public static final int DEFAULT_VALUE_DIGITS = 5;

    /** RULER's tokens_to_generate for variable tracking. */
    public static final int DEFAULT_MAX_NEW_TOKENS = 30;

    /** How variable names are made. */
    public enum NameStyle {
        /**
         * From {@link TaskVocabulary}'s name pool: every name is a word of {@link
         * TaskVocabulary#allWords()}.
         */
        POOLED,
        /** Five random capitals, as RULER does; for models with a sub-word tokenizer. */
        RANDOM_LETTERS
    }

    private final TokenCounter counter;
    private final Haystack haystack;
    private final int numChains;
    private final int numHops;
    private final int valueDigits;
    private final NameStyle nameStyle;
    private final GeneratorOptions options;
    private final Split nameSplit; // null: the split of the options, as for the values

    public VariableTrackingTask(TokenCounter counter) {
        this(
                counter,
                Haystack.repeat(),
                DEFAULT_CHAINS,
                DEFAULT_HOPS,
                DEFAULT_VALUE_DIGITS,
                NameStyle.POOLED,
                GeneratorOptions.DEFAULT);
    }

    public VariableTrackingTask(
            TokenCounter counter,
            Haystack haystack,
            int numChains,
            int numHops,
            int valueDigits,
            NameStyle nameStyle,
            GeneratorOptions options) {
        this(counter, haystack, numChains, numHops, valueDigits, nameStyle, options, null);
    }

    private VariableTrackingTask(
            TokenCounter counter,
            Haystack haystack,
            int numChains,
            int numHops,
            int valueDigits,
            NameStyle nameStyle,
            GeneratorOptions options,
            Split nameSplit) {
        if (numChains < 1 || numHops < 0) {
            throw new IllegalArgumentException("need numChains >= 1 and numHops >= 0");
        }
        this.counter = counter;
        this.haystack = haystack;
        this.numChains = numChains;
        this.numHops = numHops;
        this.valueDigits = valueDigits;
        this.nameStyle = nameStyle;
        this.options = options;
        this.nameSplit = nameSplit;
    }

    public VariableTrackingTask withChains(int chains, int hops) {
        return new VariableTrackingTask(
                counter, haystack, chains, hops, valueDigits, nameStyle, options, nameSplit);
    }

    public VariableTrackingTask withNameStyle(NameStyle style) {
        return new VariableTrackingTask(
                counter, haystack, numChains, numHops, valueDigits, style, options, nameSplit);
    }

    public VariableTrackingTask withOptions(GeneratorOptions newOptions) {
        return new VariableTrackingTask(
                counter,
                haystack,
                numChains,
                numHops,
                valueDigits,
                nameStyle,
                newOptions,
                nameSplit);
    }

    /**
     * Names from {@code split} whatever the values' split: a word-level model can only say names it
     * was trained to say, so its held-out test keeps the values (and filler) held out and draws
     * names from the whole pool.
     */
    public VariableTrackingTask withNameSplit(Split split) {
        return new VariableTrackingTask(
                counter, haystack, numChains, numHops, valueDigits, nameStyle, options, split);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public TaskCase generate(int targetLength, double depth, int sampleIndex, long seed) {
        TaskGenerator.checkCoordinates(targetLength, depth, sampleIndex);
        Random rng = Seeds.caseRandom(seed, NAME, targetLength, depth, sampleIndex);
        Split split = options.split();
        Split namePool = nameSplit != null ? nameSplit : split;
        int chainLength = numHops + 1;
        List<String> names =
                nameStyle == NameStyle.POOLED
                        ? SplitSampler.distinctPooledNames(rng, numChains * chainLength, namePool)
                        : SplitSampler.distinctRandomNames(rng, numChains * chainLength, namePool);
        List<String> values = SplitSampler.distinctNumbers(rng, numChains, valueDigits, split);

        List<HaystackPrompt.Needle> needles = new ArrayList<>();
        for (int c = 0; c < numChains; c++) {
            List<String> chainNames = names.subList(c * chainLength, (c + 1) * chainLength);
            boolean asked = c == 0;
            // Sorted fractions keep the statements of a chain in order (equal fractions keep list
            // order).
            double[] fractions = new double[chainLength];
            double from = asked ? depth : 0.0;
            for (int j = 0; j < chainLength; j++) {
                fractions[j] = from + rng.nextDouble() * (1.0 - from);
            }
            Arrays.sort(fractions);
            if (asked) {
                fractions[0] = depth;
            }
            for (int j = 0; j < chainLength; j++) {
                String statement =
                        j == 0
                                ? Templates.variableAssignedValue(chainNames.get(0), values.get(c))
                                : Templates.variableAssignedVariable(
                                        chainNames.get(j), chainNames.get(j - 1));
                needles.add(
                        new HaystackPrompt.Needle(
                                fractions[j], statement, asked ? chainNames : List.of()));
            }
        }
        List<String> answers = names.subList(0, chainLength);
        double fillFraction = options.drawFillFraction(rng);

        // RULER joins the statements into the filler with spaces; the statements carry no period.
        HaystackPrompt builder =
                new HaystackPrompt(
                        counter,
                        haystack,
                        " ",
                        Templates.VARIABLE_TRACKING_INTRO + "\n\n",
                        "\n" + Templates.variableTrackingQuestion(values.get(0), chainLength),
                        needles);
        HaystackPrompt.Built built = builder.build(targetLength, fillFraction);
        return TaskCase.text(
                NAME,
                targetLength,
                depth,
                sampleIndex,
                seed,
                built.prompt(),
                built.tokens(),
                answers,
                " " + String.join(" ", answers),
                options.maxNewTokensOr(DEFAULT_MAX_NEW_TOKENS),
                built.needleSpans(),
                new StringMatchAll());
    }
}
