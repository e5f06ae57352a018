package dev.headroom.stages.evaluate;

import dev.headroom.attention.runtime.Backend;
import java.nio.file.Path;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.values.PCollection;

/**
 * The evaluate stage: runs grid elements through the model.
 *
 * <p>Input: {@code PCollection<EvalCase>}, one element per method × task × length × depth × sample
 * (see {@link EvalGrid#cases()}). Output: {@code PCollection<CaseResult>}, one row per case.
 *
 * <p>Steps: {@code Spread cases} (a reshuffle, so a runner spreads the expensive elements over its
 * workers instead of keeping them in the bundle that created them), then {@code Run cases}. The
 * model is loaded once per worker JVM from {@code modelDir}, which every worker must be able to
 * read.
 */
public final class EvaluateCases
        extends PTransform<PCollection<EvalCase>, PCollection<CaseResult>> {

    private final String modelDir;
    private final boolean addBos;
    private final String progressKey;
    private final String runDirectory; // where policies find learned weights; null: none
    private String journal; // where finished cases are kept for a resume; null: nowhere
    private Backend backend = Backend.AUTO;

    /**
     * @param modelDir checkpoint directory (absolute)
     * @param addBos prepend the model's BOS id to text prompts
     * @param progressKey key under which finished cases are reported to {@link
     *     dev.headroom.pipeline.api.RunProgress}, or null
     */
    public EvaluateCases(String modelDir, boolean addBos, String progressKey) {
        this(modelDir, addBos, progressKey, null);
    }

    /**
     * @param runDirectory the run directory (absolute), whose artifacts the methods' policies load
     *     (a linearized head's feature maps)
     */
    public EvaluateCases(String modelDir, boolean addBos, String progressKey, String runDirectory) {
        this.modelDir = modelDir;
        this.addBos = addBos;
        this.progressKey = progressKey;
        this.runDirectory = runDirectory;
    }

    /** The same, keeping every finished case in {@code journal} (a {@link CaseJournal} folder). */
    EvaluateCases keepingCasesIn(Path journal) {
        EvaluateCases e = new EvaluateCases(modelDir, addBos, progressKey, runDirectory);
        e.journal = journal.toAbsolutePath().toString();
        e.backend = backend;
        return e;
    }

    /** The same, running the cases on {@code backend}. */
    public EvaluateCases on(Backend backend) {
        EvaluateCases e = new EvaluateCases(modelDir, addBos, progressKey, runDirectory);
        e.journal = journal;
        e.backend = backend;
        return e;
    }

    @Override
    public PCollection<CaseResult> expand(PCollection<EvalCase> cases) {
        return cases.apply("Spread cases", Reshuffle.viaRandomKey())
                .apply(
                        "Run cases",
                        ParDo.of(
                                new RunCaseFn(modelDir, addBos, progressKey, runDirectory)
                                        .keepingCasesIn(journal)
                                        .on(backend)))
                .setCoder(SerializableCoder.of(CaseResult.class));
    }
}
