package dev.headroom.stages.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.headroom.attention.policy.DensePolicy;
import dev.headroom.attention.policy.UniformSinkWindowPolicy;
import dev.headroom.eval.harness.TaskSpec;
import dev.headroom.pipeline.api.EvalMethod;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The estimate from timed probe cases, checked by hand. */
class EvalProbeTest {

    static final EvalMethod DENSE = new EvalMethod("dense", new DensePolicy());
    static final EvalMethod UNIFORM =
            new EvalMethod("uniform-w8", UniformSinkWindowPolicy.tokens(2, 8));

    static EvalCase at(EvalMethod m, String task, int length, double depth) {
        return new EvalCase(m, TaskSpec.of(task), length, depth, 0, 1L);
    }

    static final List<EvalCase> GRID =
            List.of(
                    at(DENSE, "copy", 200, 0.0),
                    at(DENSE, "copy", 100, 0.0),
                    at(DENSE, "copy", 100, 1.0),
                    at(DENSE, "copy", 400, 0.0),
                    at(DENSE, "mqar", 800, 0.0),
                    at(UNIFORM, "copy", 50, 0.0),
                    at(UNIFORM, "copy", 400, 0.0));

    @Test
    void probesTheFirstMethodAndTaskAtItsShortestAndLongestLength() {
        assertEquals(
                List.of(at(DENSE, "copy", 100, 0.0), at(DENSE, "copy", 400, 0.0)),
                EvalProbe.probeCases(GRID));
        assertEquals(
                List.of(at(DENSE, "copy", 100, 0.0)),
                EvalProbe.probeCases(List.of(at(DENSE, "copy", 100, 0.0))));
    }

    @Test
    void aPowerLawThroughTheTwoProbesSummedOverTheCasesAndSharedByTheWorkers() {
        // 1 s at 100 tokens, 16 s at 400: t(N) = (N / 100)^2 s
        List<EvalProbe.Timing> timings =
                List.of(
                        new EvalProbe.Timing(at(DENSE, "copy", 100, 0.0), 1.0),
                        new EvalProbe.Timing(at(DENSE, "copy", 400, 0.0), 16.0));
        EvalProbe.Estimate e = EvalProbe.estimate(GRID, timings, 2);
        assertEquals(2.0, e.exponent(), 1e-12);
        // 200: 4, 100: 1, 100: 1, 400: 16, 800: 64, 50: 0.25, 400: 16 -> 102.25 s on 2 workers
        assertEquals(102.25 / 2, e.seconds(), 1e-9);
        assertEquals(7, e.cases());
        assertEquals(
                List.of(
                        "evaluate: probe: dense copy at 100 tokens 1.00 s, at 400 tokens 16.0 s",
                        "evaluate: 7 cases, estimated 0:51 at parallelism 2 (every method timed"
                                + " like dense)"),
                EvalProbe.lines(e, 2));

        // the exponent stays in [0, 2]; a single length scales linearly
        List<EvalProbe.Timing> steep =
                List.of(
                        new EvalProbe.Timing(at(DENSE, "copy", 100, 0.0), 1.0),
                        new EvalProbe.Timing(at(DENSE, "copy", 200, 0.0), 100.0));
        assertEquals(2.0, EvalProbe.estimate(GRID, steep, 1).exponent(), 1e-12);
        EvalProbe.Estimate single =
                EvalProbe.estimate(
                        List.of(at(DENSE, "copy", 100, 0.0), at(DENSE, "copy", 300, 0.5)),
                        List.of(new EvalProbe.Timing(at(DENSE, "copy", 100, 0.0), 2.0)),
                        1);
        assertEquals(2.0 + 6.0, single.seconds(), 1e-9);
    }
}
