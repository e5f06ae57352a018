package dev.headroom.eval.task;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;

/**
 * Multi-query associative recall at the token level, laid out as in Zoology's {@code
 * multiquery_ar}:
 *
 * <pre>
 *   k1 v1 k2 v2 ... kn vn | noise ... q noise ... q noise ...
 * </pre>
 *
 * The prompt has exactly {@code targetLength} ids. Each query repeats one of the keys at an even
 * offset of the query region (offsets drawn without replacement with Zoology's power law p(gap) ~
 * gap^(a-1), favouring early queries); the model's next-token prediction at a query must be that
 * key's value. Every other position holds a random noise id. Needle spans are the positions of the
 * asked values. Depth is recorded but unused.
 */
public final class MqarTask implements TaskGenerator {

    public static final String NAME = "mqar";

    /** Zoology's default power-law exponent for query placement. */
    public static final double ZOOLOGY_POWER_A = 0.01;

    private final IdSet keyIds;
    private final IdSet valueIds;
    private final IdSet noiseIds;
    private final int numKvPairs;
    private final int numQueries;
    private final double powerA;
    private final Split split;

    /**
     * Zoology's defaults: every key is asked once, noise drawn from keys and values, power 0.01,
     * any split.
     */
    public MqarTask(IdSet keyIds, IdSet valueIds, int numKvPairs) {
        this(
                keyIds,
                valueIds,
                keyIds.union(valueIds),
                numKvPairs,
                numKvPairs,
                ZOOLOGY_POWER_A,
                Split.ANY);
    }

    public MqarTask(
            IdSet keyIds,
            IdSet valueIds,
            IdSet noiseIds,
            int numKvPairs,
            int numQueries,
            double powerA,
            Split split) {
        if (numKvPairs < 1 || numQueries < 1 || numQueries > numKvPairs) {
            throw new IllegalArgumentException(
                    "need 1 <= numQueries <= numKvPairs, got " + numQueries + ", " + numKvPairs);
        }
        if (!(powerA > 0.0)) {
            throw new IllegalArgumentException("powerA must be positive: " + powerA);
        }
        this.keyIds = keyIds;
        this.valueIds = valueIds;
        this.noiseIds = noiseIds;
        this.numKvPairs = numKvPairs;
        this.numQueries = numQueries;
        this.powerA = powerA;
        this.split = split;
    }

    public MqarTask withQueries(int queries) {
        return new MqarTask(keyIds, valueIds, noiseIds, numKvPairs, queries, powerA, split);
    }

    public MqarTask withNoiseIds(IdSet noise) {
        return new MqarTask(keyIds, valueIds, noise, numKvPairs, numQueries, powerA, split);
    }

    /** 1.0 spreads queries uniformly over the query region. */
    public MqarTask withPowerA(double a) {
        return new MqarTask(keyIds, valueIds, noiseIds, numKvPairs, numQueries, a, split);
    }

    /** Keys and values are drawn from the ids hashed into the split. */
    public MqarTask withSplit(Split newSplit) {
        return new MqarTask(keyIds, valueIds, noiseIds, numKvPairs, numQueries, powerA, newSplit);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public TaskCase generate(int targetLength, double depth, int sampleIndex, long seed) {
        TaskGenerator.checkCoordinates(targetLength, depth, sampleIndex);
        int context = 2 * numKvPairs;
        int space = (targetLength - context) / 2; // query slots: even offsets of the query region
        if (space < numQueries) {
            throw new IllegalArgumentException(
                    "length "
                            + targetLength
                            + " too short for "
                            + numKvPairs
                            + " pairs and "
                            + numQueries
                            + " queries (need "
                            + (context + 2 * numQueries)
                            + ")");
        }
        Random rng = Seeds.caseRandom(seed, NAME, targetLength, depth, sampleIndex);
        int[] keys = SplitSampler.distinctIds(rng, keyIds, numKvPairs, split);
        int[] values = SplitSampler.distinctIds(rng, valueIds, numKvPairs, split);

        int[] ids = new int[targetLength];
        for (int i = 0; i < targetLength; i++) {
            ids[i] = noiseIds.get(rng.nextInt(noiseIds.size()));
        }
        for (int i = 0; i < numKvPairs; i++) {
            ids[2 * i] = keys[i];
            ids[2 * i + 1] = values[i];
        }
        // The first numQueries keys of the (already random) key order are asked.
        int[] gaps = powerLawGaps(rng, space, numQueries);
        int[] positions = new int[numQueries];
        int[] expected = new int[numQueries];
        List<NeedleSpan> spans = new ArrayList<>();
        for (int q = 0; q < numQueries; q++) {
            positions[q] = context + 2 * gaps[q];
            ids[positions[q]] = keys[q];
            expected[q] = values[q];
            spans.add(new NeedleSpan(2 * q + 1, 2 * q + 2));
        }
        // Report queries in sequence order.
        Integer[] order = new Integer[numQueries];
        for (int q = 0; q < numQueries; q++) {
            order[q] = q;
        }
        Arrays.sort(order, (a, b) -> Integer.compare(positions[a], positions[b]));
        int[] sortedPositions = new int[numQueries];
        int[] sortedExpected = new int[numQueries];
        for (int q = 0; q < numQueries; q++) {
            sortedPositions[q] = positions[order[q]];
            sortedExpected[q] = expected[order[q]];
        }
        return TaskCase.tokens(
                NAME,
                targetLength,
                depth,
                sampleIndex,
                seed,
                ids,
                sortedPositions,
                sortedExpected,
                spans);
    }

    /**
     * {@code count} distinct gaps in [0, space), drawn without replacement with weight
     * (gap+1)^(a-1), via Efraimidis-Spirakis keys u^(1/w): the same distribution as drawing one at
     * a time.
     */
    private int[] powerLawGaps(Random rng, int space, int count) {
        PriorityQueue<double[]> smallest =
                new PriorityQueue<>(count + 1, (x, y) -> Double.compare(x[0], y[0]));
        for (int gap = 0; gap < space; gap++) {
            double weight = Math.pow(gap + 1, powerA - 1.0);
            double key = Math.log(rng.nextDouble()) / weight; // log(u^(1/w)): larger is better
            smallest.add(new double[] {key, gap});
            if (smallest.size() > count) {
                smallest.poll();
            }
        }
        int[] gaps = new int[count];
        for (int i = 0; i < count; i++) {
            gaps[i] = (int) smallest.poll()[1];
        }
        return gaps;
    }
}
