package dev.headroom.stages.shared;

import dev.headroom.attention.cpu.LoadedModel;
import dev.headroom.attention.policy.DensePolicy;
import dev.headroom.attention.runtime.GreedyGenerator;
import dev.headroom.attention.tokenizer.ModelTokenizer;
import dev.headroom.eval.task.NeedleSpan;
import dev.headroom.eval.task.TaskCase;
import dev.headroom.plan.profile.CalibrationSample;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns a generated {@link TaskCase} into a {@link CalibrationSample}: token ids, answer loss
 * positions, needle span.
 */
public final class CalibrationSamples {
    private CalibrationSamples() {}

    /**
     * The sample a spec names: a given text or ids, or a task case generated (and its generator
     * kept in {@code generators} for the next spec).
     */
    public static CalibrationSample forSpec(
            CalibrationSpec spec,
            LoadedModel model,
            boolean addBos,
            java.util.Map<dev.headroom.eval.harness.TaskSpec, dev.headroom.eval.task.TaskGenerator>
                    generators) {
        if (spec.isGiven()) return ofGiven(spec, model, addBos);
        dev.headroom.eval.task.TaskGenerator g =
                generators.computeIfAbsent(
                        spec.task(),
                        t -> dev.headroom.eval.harness.TaskFactory.build(t, model, addBos));
        return of(
                g.generate(spec.length(), spec.depth(), spec.sample(), spec.seed()),
                model,
                addBos,
                spec.alignAnswers());
    }

    public static CalibrationSample of(
            TaskCase c, LoadedModel model, boolean addBos, boolean alignAnswers) {
        return c.isTokenLevel() ? ofTokens(c) : ofText(c, model, addBos, alignAnswers);
    }

    /**
     * A given text (or ids) cut to {@code length} tokens; the loss covers the last eighth, as a
     * language-modelling target on long text. Fails, naming the sample, when the text is shorter
     * than the length.
     */
    public static CalibrationSample ofGiven(
            CalibrationSpec spec, LoadedModel model, boolean addBos) {
        int[] ids;
        if (spec.ids() != null) {
            ids = spec.ids();
        } else {
            if (model.tokenizer() == null)
                throw new IllegalStateException(
                        "a JSONL 'text' needs a tokenizer; give 'ids' instead");
            int[] enc = model.tokenizer().encode(spec.text());
            int shift = addBos && model.config().bosTokenId() >= 0 ? 1 : 0;
            ids = new int[enc.length + shift];
            if (shift == 1) ids[0] = model.config().bosTokenId();
            System.arraycopy(enc, 0, ids, shift, enc.length);
        }
        if (ids.length < spec.length()) {
            throw new IllegalArgumentException(
                    "JSONL sample "
                            + spec.sample()
                            + " has "
                            + ids.length
                            + " tokens, fewer than length "
                            + spec.length());
        }
        int n = spec.length(), k = Math.max(1, n / 8);
        int[] loss = new int[k];
        for (int i = 0; i < k; i++) loss[i] = n - 1 - k + i;
        return new CalibrationSample(
                CalibrationSpec.JSONL_TASK, n, spec.sample(), Arrays.copyOf(ids, n), loss, -1, -1);
    }

    /** Token tasks: the prompt already holds the answers; the loss is at the target positions. */
    private static CalibrationSample ofTokens(TaskCase c) {
        int[] ids = c.promptIds();
        int last = c.targetPositions()[c.targetPositions().length - 1];
        if (last + 1 >= ids.length) { // the final target's token is not in the prompt: append it
            ids = Arrays.copyOf(ids, last + 2);
            ids[last + 1] = c.expectedIds()[c.expectedIds().length - 1];
        }
        List<Integer> loss = new ArrayList<>();
        for (int i = 0; i < c.targetPositions().length; i++) {
            int p = c.targetPositions()[i];
            if (ids[p + 1] == c.expectedIds()[i]) loss.add(p);
        }
        NeedleSpan n = c.needleSpans().isEmpty() ? null : c.needleSpans().get(0);
        return new CalibrationSample(
                c.task(),
                c.targetLength(),
                c.sampleIndex(),
                ids,
                loss.stream().mapToInt(Integer::intValue).toArray(),
                n == null ? -1 : n.start(),
                n == null ? -1 : n.end());
    }

    /**
     * Text tasks: prompt then the reference completion (or the dense model's own), needle mapped to
     * token positions.
     */
    private static CalibrationSample ofText(
            TaskCase c, LoadedModel model, boolean addBos, boolean alignAnswers) {
        ModelTokenizer tok = model.tokenizer();
        if (tok == null)
            throw new IllegalStateException("text task " + c.task() + " needs a tokenizer");
        int shift = addBos && model.config().bosTokenId() >= 0 ? 1 : 0;
        int[] encoded = tok.encode(c.prompt());
        int[] prompt = new int[encoded.length + shift];
        if (shift == 1) prompt[0] = model.config().bosTokenId();
        System.arraycopy(encoded, 0, prompt, shift, encoded.length);
        int[] answer =
                alignAnswers
                        ? new GreedyGenerator(model)
                                .generate(
                                        prompt,
                                        Math.max(1, c.maxNewTokens()),
                                        new DensePolicy(),
                                        true)
                                .tokens()
                        : tok.encode(c.referenceCompletion());
        if (answer.length == 0) answer = tok.encode(c.referenceCompletion());
        int needleStart = -1, needleEnd = -1;
        if (!c.needleSpans().isEmpty()) {
            NeedleSpan n = c.needleSpans().get(0);
            int[][] offsets = tok.offsets(c.prompt());
            for (int i = 0; i < offsets.length; i++) {
                if (offsets[i][1] > n.start() && offsets[i][0] < n.end()) {
                    if (needleStart < 0) needleStart = i + shift;
                    needleEnd = i + shift + 1;
                }
            }
        }
        return CalibrationSample.promptAndAnswer(
                c.task(),
                c.targetLength(),
                c.sampleIndex(),
                prompt,
                answer,
                needleStart,
                needleEnd);
    }
}
