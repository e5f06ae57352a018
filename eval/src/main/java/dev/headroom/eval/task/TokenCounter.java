package dev.headroom.eval.task;

import java.io.Serializable;

/**
 * Counts the tokens of a text, so generators can hit a target prompt length without depending on a
 * tokenizer library. {@code dev.headroom.eval.harness.ModelTokenCounter} counts with the model's
 * tokenizer; {@link #words()} splits the way {@link TaskVocabulary#splitWords(String)} does and
 * suits tests and word-level tokenizers.
 *
 * <p>Counts need not be additive (sub-word tokenizers merge across boundaries, some add a BOS
 * token): generators only use per-sentence counts as estimates and verify the whole prompt.
 */
@FunctionalInterface
public interface TokenCounter extends Serializable {

    int count(String text);

    /** Letter runs are one token each, every digit and every punctuation character is one token. */
    static TokenCounter words() {
        return TaskVocabulary::countWords;
    }
}
