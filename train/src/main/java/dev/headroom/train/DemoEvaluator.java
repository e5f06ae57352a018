package dev.headroom.train;

import dev.headroom.attention.HeadroomException;
import dev.headroom.attention.policy.AttentionPolicy;
import dev.headroom.attention.policy.DensePolicy;
import dev.headroom.attention.policy.UniformSinkWindowPolicy;
import dev.headroom.attention.runtime.LanguageModelRuntime;
import dev.headroom.attention.runtime.TextCodec;
import dev.headroom.eval.harness.CaseOutcome;
import dev.headroom.eval.harness.CaseRunner;
import dev.headroom.eval.task.NeedleSpan;
import dev.headroom.eval.task.Split;
import dev.headroom.eval.task.TaskCase;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Measures a demo checkpoint the way the rest of headroom runs it: {@link CaseRunner} over a {@link
 * LanguageModelRuntime}, on held-out cases (keys, names and numbers never trained on), with dense
 * attention and with StreamingLLM's uniform sink + window. Text tasks are scored by their own
 * scorers on the decoded continuation; token MQAR by the argmax at its query positions
 * (teacher-forced, as Zoology scores it).
 */
public final class DemoEvaluator {
    public static final int SINK = 16, WINDOW = 256;

    /**
     * One cell of the table: the mean score, and the cases whose needle lies outside the window
     * (and how many of those are right).
     */
    public record Cell(double score, int cases, int farRight, int far) {}

    /**
     * One evaluated case, for auditing: the prompt (text, or token ids for token-level MQAR) can be
     * replayed through {@code headroom generate}; {@code output} is the decoded greedy continuation
     * (text) or the argmax at the scored positions (token cases); {@code outputIds} the generated
     * tokens (text) or the scored positions (token).
     */
    public record CaseResult(
            String task,
            String policy,
            int length,
            double depth,
            int promptTokens,
            String prompt,
            int[] promptIds,
            List<String> expected,
            String output,
            int[] outputIds,
            double score,
            boolean outsideWindow) {}

    private PrintStream samples; // where to print one generation per cell, or null
    private Consumer<CaseResult> caseSink = r -> {};

    private final LanguageModelRuntime model;
    private final CaseRunner runner;
    private final WordTokenizer tokenizer = WordTokenizer.forTasks();
    private final TrainingData data;
    private final long seed;

    public DemoEvaluator(LanguageModelRuntime model, long seed, double fillerJitter) {
        if (model.config().vocabSize() != tokenizer.vocabSize()) {
            throw new HeadroomException(
                    model.directory()
                            + ": vocabulary of "
                            + model.config().vocabSize()
                            + " tokens is not the demo tokenizer's "
                            + tokenizer.vocabSize());
        }
        this.model = model;
        // the model's own tokenizer.json, as `generate --prompt` reads it (WordTokenizer gives the
        // same ids)
        this.runner =
                new CaseRunner(
                        model, TextCodec.of(model.directory()).orElse(wordCodec(tokenizer)), false);
        this.seed = seed;
        this.data = new TrainingData(tokenizer, Split.HELD_OUT, fillerJitter);
    }

    public static List<AttentionPolicy> policies() {
        return List.of(new DensePolicy(), UniformSinkWindowPolicy.tokens(SINK, WINDOW));
    }

    /** {@code depths} cases of {@code task} at {@code length}, depths spread evenly over [0, 1]. */
    public Cell run(String task, int length, int depths, AttentionPolicy policy) {
        double sum = 0;
        int far = 0, farRight = 0;
        for (int k = 0; k < depths; k++) {
            double depth = depths == 1 ? 0.5 : (double) k / (depths - 1);
            int len =
                    task.equals(TrainingData.VT)
                            ? Math.max(length, TrainingData.VT_MIN_LENGTH)
                            : length;
            TaskCase c = data.generator(task).generate(len, depth, k, seed);
            CaseResult r = c.isTokenLevel() ? scoreTokens(c, policy) : scoreText(c, policy, k == 0);
            caseSink.accept(r);
            sum += r.score();
            if (r.outsideWindow()) {
                far++;
                if (r.score() == 1.0) farRight++;
            }
        }
        return new Cell(sum / depths, depths, farRight, far);
    }

    /** Hands every evaluated case to {@code sink}. */
    public DemoEvaluator onCase(Consumer<CaseResult> sink) {
        this.caseSink = sink;
        return this;
    }

    /** Prints the first generation of every cell to {@code out}. */
    public DemoEvaluator showSamples(PrintStream out) {
        this.samples = out;
        return this;
    }

    private CaseResult scoreText(TaskCase c, AttentionPolicy policy, boolean show) {
        int answerTokens = tokenizer.count(TrainingData.answerText(c)) + 1;
        CaseOutcome o = runner.run(c, policy, Math.min(c.maxNewTokens(), answerTokens + 4));
        if (show && samples != null) {
            samples.printf(
                    Locale.ROOT,
                    "  %s %s %d depth %.2f: expected %s, generated '%s'%n",
                    c.task(),
                    policy.name(),
                    c.targetLength(),
                    c.depth(),
                    c.answers(),
                    o.prediction().replace("\n", "\\n"));
        }
        return new CaseResult(
                c.task(),
                policy.name(),
                c.targetLength(),
                c.depth(),
                o.promptTokens(),
                c.prompt(),
                null,
                c.answers(),
                o.prediction(),
                o.outputIds(),
                o.score(),
                outsideWindow(c));
    }

    private CaseResult scoreTokens(TaskCase c, AttentionPolicy policy) {
        CaseOutcome o = runner.run(c, policy);
        List<String> expected = Arrays.stream(c.expectedIds()).mapToObj(String::valueOf).toList();
        String output =
                String.join(" ", Arrays.stream(o.outputIds()).mapToObj(String::valueOf).toList());
        return new CaseResult(
                c.task(),
                policy.name(),
                c.targetLength(),
                c.depth(),
                c.promptIds().length,
                null,
                c.promptIds(),
                expected,
                output,
                c.targetPositions(),
                o.score(),
                false);
    }

    /**
     * The demo vocabulary as a codec, for a checkpoint without tokenizer.json (it gives the same
     * ids).
     */
    private static TextCodec wordCodec(WordTokenizer t) {
        return new TextCodec() {
            @Override
            public int[] encode(String text) {
                return t.encode(text);
            }

            @Override
            public String decode(int[] ids) {
                return t.decode(ids);
            }

            @Override
            public int[][] offsets(String text) {
                throw new UnsupportedOperationException(
                        "the demo vocabulary gives no character offsets");
            }
        };
    }

    /**
     * Whether the first needle value lies beyond the sink and before the recent window of the last
     * prompt token.
     */
    private boolean outsideWindow(TaskCase c) {
        if (c.needleSpans().isEmpty()) return false;
        NeedleSpan first = c.needleSpans().get(0);
        int position = tokenizer.count(c.prompt().substring(0, first.start()));
        int last = tokenizer.count(c.prompt()) - 1;
        return position >= SINK && last - position >= WINDOW;
    }

    private static int argmax(float[] row) {
        int best = 0;
        for (int i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
        return best;
    }

    /**
     * The README table: rows task x policy, columns lengths; passkey under the window adds its
     * far-needle share.
     */
    public Map<String, Map<Integer, Cell>> table(
            List<String> tasks, List<Integer> lengths, int depths, PrintStream progress) {
        Map<String, Map<Integer, Cell>> rows = new LinkedHashMap<>();
        for (AttentionPolicy policy : policies()) {
            for (String task : tasks) {
                Map<Integer, Cell> row = new LinkedHashMap<>();
                for (int length : lengths) {
                    long t0 = System.nanoTime();
                    Cell cell = run(task, length, depths, policy);
                    row.put(length, cell);
                    if (progress != null) {
                        progress.printf(
                                Locale.ROOT,
                                "%s %s %d: %.2f (%.0f s)%n",
                                task,
                                policy.name(),
                                length,
                                cell.score(),
                                (System.nanoTime() - t0) / 1e9);
                    }
                }
                rows.put(task + " | " + policy.name(), row);
            }
        }
        return rows;
    }

    public static String markdown(Map<String, Map<Integer, Cell>> rows, List<Integer> lengths) {
        StringBuilder sb = new StringBuilder("| task | attention |");
        for (int l : lengths) sb.append(' ').append(l).append(" |");
        sb.append(" longest length, needle outside the sink and window |\n|---|---|");
        sb.append("---|".repeat(lengths.size())).append("---|\n");
        for (Map.Entry<String, Map<Integer, Cell>> e : rows.entrySet()) {
            sb.append("| ").append(e.getKey()).append(" |");
            int far = 0, farRight = 0;
            int longest = lengths.stream().mapToInt(Integer::intValue).max().orElse(0);
            for (int l : lengths) {
                Cell c = e.getValue().get(l);
                sb.append(String.format(Locale.ROOT, " %.0f%% |", 100 * c.score()));
                if (l == longest) {
                    far = c.far();
                    farRight = c.farRight();
                }
            }
            sb.append(
                            far == 0
                                    ? " - |"
                                    : String.format(Locale.ROOT, " %d/%d right |", farRight, far))
                    .append('\n');
        }
        return sb.toString();
    }

    /** Lengths as given, for callers that build their own lists. */
    public static List<Integer> lengths(int... ls) {
        List<Integer> out = new ArrayList<>();
        for (int l : ls) out.add(l);
        return out;
    }
}
