package dev.headroom.stages.evaluate;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.beam.sdk.coders.CannotProvideCoderException;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.transforms.Combine;

/**
 * Combines the cases of one cell into a {@link CellSummary}. The accumulator keeps the cases and
 * the output sorts them before summing, so the result does not depend on the order a runner merged
 * bundles in (floating-point sums are not associative).
 */
public final class CellAccuracyFn
        extends Combine.CombineFn<CaseResult, List<CaseResult>, CellSummary> {

    private static final Comparator<CaseResult> CASE_ORDER =
            Comparator.comparingDouble(CaseResult::depth)
                    .thenComparingInt(CaseResult::sample)
                    .thenComparingLong(CaseResult::seed);

    @Override
    public List<CaseResult> createAccumulator() {
        return new ArrayList<>();
    }

    @Override
    public List<CaseResult> addInput(List<CaseResult> accumulator, CaseResult input) {
        accumulator.add(input);
        return accumulator;
    }

    @Override
    public List<CaseResult> mergeAccumulators(Iterable<List<CaseResult>> accumulators) {
        List<CaseResult> merged = new ArrayList<>();
        for (List<CaseResult> a : accumulators) {
            merged.addAll(a);
        }
        return merged;
    }

    @Override
    public CellSummary extractOutput(List<CaseResult> accumulator) {
        return summarize(accumulator);
    }

    @Override
    public Coder<List<CaseResult>> getAccumulatorCoder(
            CoderRegistry registry, Coder<CaseResult> inputCoder)
            throws CannotProvideCoderException {
        return ListCoder.of(SerializableCoder.of(CaseResult.class));
    }

    /** The summary of one cell's cases (all of the same method, task and length). */
    public static CellSummary summarize(List<CaseResult> cases) {
        if (cases.isEmpty()) {
            throw new IllegalArgumentException("a cell needs at least one case");
        }
        List<CaseResult> sorted = new ArrayList<>(cases);
        sorted.sort(CASE_ORDER);
        double score = 0, promptTokens = 0, kvBytes = 0, density = 0, kl = 0, perplexity = 0;
        int correct = 0;
        for (CaseResult r : sorted) {
            score += r.score();
            promptTokens += r.promptTokens();
            kvBytes += r.kvCacheBytes();
            density += r.density();
            kl += r.klDivergence();
            perplexity += r.perplexity();
            correct += r.correct() ? 1 : 0;
        }
        int n = sorted.size();
        double accuracy = score / n;
        double[] ci = WilsonInterval.of(accuracy, n, WilsonInterval.Z95);
        CaseResult first = sorted.get(0);
        return new CellSummary(
                first.method(),
                first.policy(),
                first.task(),
                first.length(),
                n,
                correct,
                accuracy,
                ci[0],
                ci[1],
                promptTokens / n,
                kvBytes / n,
                density / n,
                kl / n,
                perplexity / n);
    }
}
