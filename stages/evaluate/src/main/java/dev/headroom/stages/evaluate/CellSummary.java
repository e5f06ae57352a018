package dev.headroom.stages.evaluate;

import java.io.Serializable;

/**
 * The aggregate of one method × task × length cell: a row of {@code eval_summary}. Everything here
 * is deterministic (no wall times), so two runners give identical rows.
 *
 * @param cases cases in the cell (all depths and samples)
 * @param correct cases with full marks
 * @param accuracy mean score
 * @param ciLow lower end of the 95% Wilson score interval of the accuracy
 * @param ciHigh upper end
 * @param meanPromptTokens mean ids fed to the model
 * @param meanKvCacheBytes mean KV-cache bytes held
 * @param meanDensity mean fraction of causal query-key pairs computed
 * @param meanKlDivergence {@code kl} probe only (else NaN): mean KL(dense || method)
 * @param meanPerplexity {@code kl} probe only (else NaN): mean perplexity
 */
public record CellSummary(
        String method,
        String policy,
        String task,
        int length,
        int cases,
        int correct,
        double accuracy,
        double ciLow,
        double ciHigh,
        double meanPromptTokens,
        double meanKvCacheBytes,
        double meanDensity,
        double meanKlDivergence,
        double meanPerplexity)
        implements Serializable {}
