package dev.headroom.pipeline.api;

import dev.headroom.attention.model.ModelConfig;
import java.nio.file.Path;

/**
 * What validation knows about the config's model without loading its weights.
 *
 * @param directory the checkpoint directory (absolute)
 * @param config its {@code config.json}
 * @param hasTokenizer whether it has a {@code tokenizer.json} (text tasks need one)
 */
public record ModelFacts(Path directory, ModelConfig config, boolean hasTokenizer) {}
