package dev.headroom.stages.evaluate;

import dev.headroom.eval.harness.CaseRunner;
import dev.headroom.eval.task.TaskGenerator;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The evaluate stage's estimate before it runs: a couple of real cases timed in the driver, the
 * first method and task at the grid's shortest and longest prompt lengths (after one untimed case
 * that warms the code up), a power law t(N) = t1 (N / N1)^b through the two (b in [0, 2]; 1 with a
 * single length), summed over every case to run and divided by the workers. Every method is timed
 * like the first.
 */
final class EvalProbe {

    private EvalProbe() {}

    /** One timed case. */
    record Timing(EvalCase probe, double seconds) {}

    /** The probes and what they predict for the whole grid. */
    record Estimate(List<Timing> probes, double exponent, double seconds, int cases) {}

    /** The cases to time: the first method and task, at the shortest and the longest length. */
    static List<EvalCase> probeCases(List<EvalCase> cases) {
        if (cases.isEmpty()) return List.of();
        EvalCase first = cases.get(0);
        EvalCase shortest = null, longest = null;
        for (EvalCase c : cases) {
            if (!c.method().equals(first.method()) || !c.task().equals(first.task())) continue;
            if (shortest == null || c.length() < shortest.length()) shortest = c;
            if (longest == null || c.length() > longest.length()) longest = c;
        }
        return shortest.length() == longest.length()
                ? List.of(shortest)
                : List.of(shortest, longest);
    }

    /**
     * Times {@link #probeCases} through the same code the workers run ({@link RunCaseFn#run}).
     *
     * @param generators the task generators, by task
     */
    static List<Timing> time(
            List<EvalCase> cases,
            Function<EvalCase, TaskGenerator> generators,
            CaseRunner runner,
            LongSupplier nanos) {
        List<EvalCase> probes = probeCases(cases);
        List<Timing> timings = new ArrayList<>();
        if (probes.isEmpty()) return timings;
        RunCaseFn.run(probes.get(0), generators.apply(probes.get(0)), runner); // warm-up
        for (EvalCase p : probes) {
            TaskGenerator g = generators.apply(p);
            long t0 = nanos.getAsLong();
            RunCaseFn.run(p, g, runner);
            timings.add(new Timing(p, (nanos.getAsLong() - t0) / 1e9));
        }
        return timings;
    }

    /** The time of {@code cases} on {@code parallelism} workers, from {@code timings}. */
    static Estimate estimate(List<EvalCase> cases, List<Timing> timings, int parallelism) {
        if (timings.isEmpty()) return new Estimate(timings, 1, 0, cases.size());
        Timing a = timings.get(0), b = timings.get(timings.size() - 1);
        double exponent = 1;
        if (b.probe().length() != a.probe().length() && a.seconds() > 0 && b.seconds() > 0) {
            exponent =
                    Math.log(b.seconds() / a.seconds())
                            / Math.log((double) b.probe().length() / a.probe().length());
            exponent = Math.max(0, Math.min(2, exponent));
        }
        double total = 0;
        for (EvalCase c : cases) {
            total += a.seconds() * Math.pow((double) c.length() / a.probe().length(), exponent);
        }
        return new Estimate(timings, exponent, total / Math.max(1, parallelism), cases.size());
    }

    /**
     * "evaluate: probe: dense passkey at 512 tokens 0.41 s, at 2048 tokens 2.3 s" and "evaluate: 60
     * cases, estimated 0:47 at parallelism 2 (every method timed like dense)".
     */
    static List<String> lines(Estimate e, int parallelism) {
        List<String> lines = new ArrayList<>();
        if (!e.probes().isEmpty()) {
            EvalCase first = e.probes().get(0).probe();
            StringBuilder probe =
                    new StringBuilder("evaluate: probe: ")
                            .append(first.method().label())
                            .append(' ')
                            .append(first.task().name());
            String sep = " ";
            for (Timing t : e.probes()) {
                probe.append(sep)
                        .append(
                                String.format(
                                        Locale.ROOT,
                                        "at %d tokens %.3g s",
                                        t.probe().length(),
                                        t.seconds()));
                sep = ", ";
            }
            lines.add(probe.toString());
        }
        lines.add(
                String.format(
                        Locale.ROOT,
                        "evaluate: %,d cases, estimated %s at parallelism %d%s",
                        e.cases(),
                        clock(e.seconds()),
                        parallelism,
                        e.probes().isEmpty()
                                ? ""
                                : " (every method timed like "
                                        + e.probes().get(0).probe().method().label()
                                        + ")"));
        return lines;
    }

    /** M:SS or H:MM:SS. */
    static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600
                ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
