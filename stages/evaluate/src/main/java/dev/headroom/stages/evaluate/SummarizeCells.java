package dev.headroom.stages.evaluate;

import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptor;

/**
 * Aggregates case results per method × task × length cell.
 *
 * <p>Input: {@code PCollection<CaseResult>}. Output: {@code PCollection<CellSummary>}, one per
 * cell: mean score (accuracy) with its 95% Wilson interval, mean KV bytes and density.
 */
public final class SummarizeCells
        extends PTransform<PCollection<CaseResult>, PCollection<CellSummary>> {

    @Override
    public PCollection<CellSummary> expand(PCollection<CaseResult> results) {
        return results.apply(
                        "Key by cell",
                        WithKeys.of((CaseResult r) -> r.cellKey())
                                .withKeyType(TypeDescriptor.of(String.class)))
                .setCoder(KvCoder.of(StringUtf8Coder.of(), SerializableCoder.of(CaseResult.class)))
                .apply("Combine per cell", Combine.perKey(new CellAccuracyFn()))
                .apply("Drop cell keys", Values.create())
                .setCoder(SerializableCoder.of(CellSummary.class));
    }
}
