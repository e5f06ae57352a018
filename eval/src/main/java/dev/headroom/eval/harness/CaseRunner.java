package dev.headroom.eval.harness;

import dev.headroom.attention.policy.ArtifactResolver;
import dev.headroom.attention.policy.AttentionPolicy;
import dev.headroom.attention.policy.DensePolicy;
import dev.headroom.attention.runtime.GreedyGenerator;
import dev.headroom.attention.runtime.LanguageModelRuntime;
import dev.headroom.attention.runtime.RuntimeSequence;
import dev.headroom.attention.runtime.TextCodec;
import dev.headroom.eval.task.Scoring;
import dev.headroom.eval.task.TaskCase;

/**
 * Runs one {@link TaskCase} through any {@link LanguageModelRuntime} with one attention method, as
 * its {@link Scoring} says: generated-and-matched cases are encoded (BOS prepended when asked),
 * completed greedily and scored by the task's rule; teacher-forced cases are run in one pass and
 * scored by the argmax at their target positions; compare-to-dense cases are run with dense
 * attention and with the method and compared position by position. Thread-safe: it holds only the
 * shared, read-only model.
 */
public final class CaseRunner {

    private final LanguageModelRuntime model;
    private final TextCodec codec;
    private final boolean addBos;
    private final ArtifactResolver artifacts;

    /**
     * @param addBos prepend the model's BOS id to text prompts (token tasks carry their own prefix)
     */
    public CaseRunner(LanguageModelRuntime model, boolean addBos) {
        this(model, ModelCache.codec(model.directory()), addBos);
    }

    /**
     * @param codec the text codec for text cases (null: the model has none, and text cases fail)
     */
    public CaseRunner(LanguageModelRuntime model, TextCodec codec, boolean addBos) {
        this(model, codec, addBos && model.config().bosTokenId() >= 0, ArtifactResolver.NONE);
    }

    private CaseRunner(
            LanguageModelRuntime model,
            TextCodec codec,
            boolean addBos,
            ArtifactResolver artifacts) {
        this.model = model;
        this.codec = codec;
        this.addBos = addBos;
        this.artifacts = artifacts;
    }

    /**
     * The same runner, its policies finding their learned weights (feature maps) in {@code
     * artifacts}.
     */
    public CaseRunner withArtifacts(ArtifactResolver artifacts) {
        return new CaseRunner(model, codec, addBos, artifacts);
    }

    public CaseOutcome run(TaskCase c, AttentionPolicy policy) {
        return run(c, policy, c.maxNewTokens());
    }

    /**
     * @param maxNewTokens the generation limit of a text case (token cases generate nothing)
     */
    public CaseOutcome run(TaskCase c, AttentionPolicy policy, int maxNewTokens) {
        Scoring scoring = c.scoring();
        if (scoring instanceof Scoring.GenerateAndMatch match) {
            return runText(c, match, policy, maxNewTokens);
        } else if (scoring instanceof Scoring.TeacherForcedArgmax) {
            return runTokens(c, policy);
        } else if (scoring instanceof Scoring.CompareToDense) {
            return runAgainstDense(c, policy);
        }
        throw new IllegalStateException("no runner for scoring " + scoring);
    }

    /**
     * One teacher-forced pass with the dense policy and one with the method. Score: the fraction of
     * positions whose argmax agrees with dense; also the mean KL(dense || method) over positions,
     * and the method's perplexity on the next ids: exp of the mean of -log p(ids[i + 1]) over
     * positions i = 0 .. T - 2, from the logits at position i.
     */
    private CaseOutcome runAgainstDense(TaskCase c, AttentionPolicy policy) {
        int[] ids = c.promptIds();
        int t = ids.length;
        float[][] dense;
        try (RuntimeSequence seq = model.open(new DensePolicy(), t)) {
            dense = seq.prefillAll(ids); // [T, V]
        }
        long t0 = System.nanoTime();
        float[][] method;
        long cacheBytes;
        double density;
        try (RuntimeSequence seq = model.open(policy, t, artifacts)) {
            method = seq.prefillAll(ids);
            cacheBytes = seq.cacheBytes();
            density = seq.density();
        }
        long prefill = System.nanoTime() - t0;
        double kl = 0, nll = 0;
        long agree = 0;
        for (int i = 0; i < t; i++) {
            double[] logDense = logSoftmax(dense[i]), logMethod = logSoftmax(method[i]);
            double row = 0;
            for (int v = 0; v < logDense.length; v++)
                row += Math.exp(logDense[v]) * (logDense[v] - logMethod[v]);
            kl += row;
            if (i < t - 1) nll -= logMethod[ids[i + 1]];
            if (argmax(dense[i]) == argmax(method[i])) agree++;
        }
        kl /= t;
        nll /= Math.max(1, t - 1);
        return CaseOutcome.comparedToDense(
                agree,
                Math.max(0.0, kl),
                Math.exp(nll),
                new CaseOutcome.Cost(t, cacheBytes, density, prefill, 0L));
    }

    private CaseOutcome runText(
            TaskCase c, Scoring.GenerateAndMatch match, AttentionPolicy policy, int maxNewTokens) {
        if (codec == null) {
            throw new IllegalStateException("text task " + c.task() + " needs a tokenizer");
        }
        int[] encoded = codec.encode(c.prompt());
        int[] ids = encoded;
        if (addBos) {
            ids = new int[encoded.length + 1];
            ids[0] = model.config().bosTokenId();
            System.arraycopy(encoded, 0, ids, 1, encoded.length);
        }
        GreedyGenerator.Result r =
                new GreedyGenerator(model).generate(ids, maxNewTokens, 0, policy, true, artifacts);
        String prediction = codec.decode(r.tokens());
        return CaseOutcome.generated(
                match.scorer().score(prediction, c.answers()),
                prediction,
                r.tokens(),
                new CaseOutcome.Cost(
                        ids.length,
                        r.cacheBytes(),
                        r.density(),
                        r.prefillNanos(),
                        r.decodeNanos()));
    }

    private CaseOutcome runTokens(TaskCase c, AttentionPolicy policy) {
        int[] ids = c.promptIds();
        long t0 = System.nanoTime();
        int[] atTargets = new int[c.targetPositions().length];
        long cacheBytes;
        double density;
        try (RuntimeSequence seq = model.open(policy, ids.length, artifacts)) {
            float[][] logits = seq.prefillAll(ids); // [T, V]
            for (int i = 0; i < atTargets.length; i++)
                atTargets[i] = argmax(logits[c.targetPositions()[i]]);
            cacheBytes = seq.cacheBytes();
            density = seq.density();
        }
        long prefill = System.nanoTime() - t0;
        return CaseOutcome.teacherForced(
                c.scoreTokens(atTargets),
                atTargets,
                new CaseOutcome.Cost(ids.length, cacheBytes, density, prefill, 0L));
    }

    /** The first index of the largest value. */
    static int argmax(float[] row) {
        int best = 0;
        for (int i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
        return best;
    }

    /** log softmax of a logits row, in float64. */
    static double[] logSoftmax(float[] row) {
        double max = Double.NEGATIVE_INFINITY;
        for (float x : row) max = Math.max(max, x);
        double sum = 0;
        for (float x : row) sum += Math.exp(x - max);
        double log = max + Math.log(sum);
        double[] out = new double[row.length];
        for (int i = 0; i < row.length; i++) out[i] = row[i] - log;
        return out;
    }
}
