package dev.headroom.stages.evaluate.methods;

import dev.headroom.attention.policy.UniformSinkWindowPolicy;
import dev.headroom.pipeline.api.ConfigProblems;
import dev.headroom.pipeline.api.EvalMethod;
import dev.headroom.pipeline.api.MethodDefinition;
import dev.headroom.pipeline.api.MethodSpec;
import dev.headroom.pipeline.api.ModelFacts;
import dev.headroom.pipeline.api.StageContext;
import java.util.Locale;

/**
 * {@code - method: uniform}: StreamingLLM's baseline, every head keeps {@code sink} initial tokens
 * and a recent window of {@code window} tokens, or of {@code window_fraction} × the prompt length.
 *
 * @param label report label (default {@code uniform-w<W>} or {@code uniform-<P>pct})
 * @param sink sink tokens (default 4)
 * @param window window in tokens
 * @param windowFraction window as a fraction of the prompt length, in (0, 1]
 */
public record UniformMethod(String label, Integer sink, Integer window, Double windowFraction)
        implements MethodSpec {

    public static final String NAME = "uniform";
    public static final int DEFAULT_SINK = 4;

    public int sinkOrDefault() {
        return sink == null ? DEFAULT_SINK : sink;
    }

    @Override
    public String label() {
        if (label != null) {
            return label;
        }
        return window != null
                ? NAME + "-w" + window
                : NAME
                        + "-"
                        + String.format(
                                        Locale.ROOT,
                                        "%.4g",
                                        windowFraction == null ? 0 : windowFraction * 100)
                                .replaceAll("\\.?0+$", "")
                        + "pct";
    }

    @Override
    public void validate(ConfigProblems problems, ModelFacts model) {
        problems.range(sink, "sink", 0, model.config().maxPositions());
        if (window == null && windowFraction == null) {
            problems.error(
                    null, "give the window as window (tokens) or window_fraction (of the length)");
        } else if (window != null && windowFraction != null) {
            problems.error("window_fraction", "give either window or window_fraction, not both");
        }
        problems.range(window, "window", 1, model.config().maxPositions());
        if (windowFraction != null && !(windowFraction > 0 && windowFraction <= 1)) {
            problems.error("window_fraction", windowFraction + " is out of range (0, 1]");
        }
        if (label != null) {
            problems.check(!label.isBlank(), "label", "must not be blank");
        }
    }

    @Override
    public EvalMethod resolve(StageContext context) {
        UniformSinkWindowPolicy policy =
                window != null
                        ? UniformSinkWindowPolicy.tokens(sinkOrDefault(), window)
                        : UniformSinkWindowPolicy.fraction(sinkOrDefault(), windowFraction);
        return new EvalMethod(label(), policy);
    }

    /** Registers {@code uniform}. */
    public static final class Definition implements MethodDefinition {
        @Override
        public String name() {
            return NAME;
        }

        @Override
        public Class<? extends MethodSpec> specType() {
            return UniformMethod.class;
        }
    }
}
