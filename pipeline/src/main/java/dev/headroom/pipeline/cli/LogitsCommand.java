package dev.headroom.pipeline.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.headroom.attention.HeadroomException;
import dev.headroom.attention.runtime.LanguageModelRuntime;
import dev.headroom.attention.runtime.RuntimeSequence;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The argmax at every position and the last position's logits, for parity checks against other
 * runtimes.
 */
@Command(
        name = "logits",
        mixinStandardHelpOptions = true,
        version = HeadroomCli.VERSION,
        description = "Print per-position argmax and the last logits of a token sequence.")
final class LogitsCommand implements Callable<Integer> {
    @Mixin ModelOption opt;

    @Option(
            names = "--ids",
            required = true,
            paramLabel = "IDS",
            description = "token ids, comma separated")
    String ids;

    @Option(names = "--json", description = "print {\"argmax\":[...], \"last_logits\":[...]}")
    boolean json;

    @Override
    public Integer call() throws Exception {
        int[] tokens = TokenIds.parse("--ids", ids);
        try (LanguageModelRuntime model = opt.open()) {
            TokenIds.checkRange("--ids", tokens, model.config().vocabSize());
            float[][] logits;
            try (RuntimeSequence seq = model.open(opt.policy(), tokens.length)) {
                logits = seq.prefillAll(tokens);
            }
            int[] argmax = new int[tokens.length];
            for (int t = 0; t < tokens.length; t++) {
                for (int v = 1; v < logits[t].length; v++)
                    if (logits[t][v] > logits[t][argmax[t]]) argmax[t] = v;
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("argmax", argmax);
            out.put("last_logits", logits[tokens.length - 1]);
            if (!json)
                throw new HeadroomException(
                        "logits: only --json output is implemented; add --json");
            System.out.println(new ObjectMapper().writeValueAsString(out));
        }
        return 0;
    }
}
