package dev.headroom.eval.harness;

import dev.headroom.attention.runtime.TextCodec;
import dev.headroom.eval.task.TokenCounter;

/**
 * A {@link TokenCounter} over a model's own tokenizer ({@link TextCodec}): the number of ids the
 * prompt will have when {@link CaseRunner} runs it, including the BOS id it prepends. Built on a
 * worker next to the loaded model; the tokenizer is not serialized.
 */
public final class ModelTokenCounter implements TokenCounter {

    private final transient TextCodec tokenizer;
    private final int prefixTokens;

    /**
     * @param prefixTokens ids the runner puts before the encoded text (1 for a BOS id, else 0)
     */
    public ModelTokenCounter(TextCodec tokenizer, int prefixTokens) {
        if (tokenizer == null) {
            throw new IllegalArgumentException("a token counter needs a tokenizer");
        }
        this.tokenizer = tokenizer;
        this.prefixTokens = prefixTokens;
    }

    @Override
    public int count(String text) {
        return prefixTokens + tokenizer.encode(text).length;
    }
}
