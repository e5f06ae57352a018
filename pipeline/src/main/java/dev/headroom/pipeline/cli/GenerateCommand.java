package dev.headroom.pipeline.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.headroom.attention.HeadroomException;
import dev.headroom.attention.runtime.GreedyGenerator;
import dev.headroom.attention.runtime.LanguageModelRuntime;
import dev.headroom.attention.runtime.TextCodec;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Greedy generation from a text prompt (models with a tokenizer) or from token ids. */
@Command(
        name = "generate",
        mixinStandardHelpOptions = true,
        version = HeadroomCli.VERSION,
        description = "Generate greedily from a prompt.")
final class GenerateCommand implements Callable<Integer> {
    @Mixin ModelOption opt;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Prompt prompt;

    static final class Prompt {
        @Option(
                names = "--prompt",
                paramLabel = "TEXT",
                description = "prompt text (needs tokenizer.json)")
        String text;

        @Option(
                names = "--prompt-ids",
                paramLabel = "IDS",
                description = "prompt token ids, comma separated")
        String ids;
    }

    @Option(
            names = "--max-new-tokens",
            required = true,
            paramLabel = "N",
            description = "tokens to generate, at least 1")
    int maxNewTokens;

    @Option(
            names = "--json",
            description = "print one JSON object {\"tokens\":[...]} with the new tokens only")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (maxNewTokens < 1)
            throw new HeadroomException("--max-new-tokens must be at least 1, got " + maxNewTokens);
        try (LanguageModelRuntime model = opt.open()) {
            TextCodec codec = TextCodec.of(opt.model).orElse(null);
            int[] ids;
            if (prompt.text != null) {
                if (codec == null)
                    throw new HeadroomException(
                            opt.model + ": no tokenizer.json; use --prompt-ids");
                ids = codec.encode(prompt.text);
                if (ids.length == 0)
                    throw new HeadroomException("--prompt: the text encodes to no tokens");
            } else {
                ids = TokenIds.parse("--prompt-ids", prompt.ids);
            }
            TokenIds.checkRange(
                    prompt.text != null ? "--prompt" : "--prompt-ids",
                    ids,
                    model.config().vocabSize());
            GreedyGenerator generator = new GreedyGenerator(model);
            try {
                generator.checkFits(ids.length, maxNewTokens);
            } catch (HeadroomException e) {
                throw new HeadroomException("--max-new-tokens: " + e.getMessage());
            }
            GreedyGenerator.Result r = generator.generate(ids, maxNewTokens, opt.policy(), true);
            if (json) {
                System.out.println(
                        new ObjectMapper().writeValueAsString(Map.of("tokens", r.tokens())));
            } else if (codec != null) {
                System.out.println(codec.decode(r.tokens()));
            } else {
                System.out.println(java.util.Arrays.toString(r.tokens()));
            }
        }
        return 0;
    }
}
