package dev.headroom.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.headroom.attention.AtomicFiles;
import dev.headroom.attention.HeadroomException;
import dev.headroom.attention.cpu.LoadedModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code headroom evaluate-demo}: the demo model's table (models/demo/README.md), measured with the
 * runtime's greedy generation on held-out cases, dense and with uniform sink + window attention.
 */
@Command(
        name = "evaluate-demo",
        mixinStandardHelpOptions = true,
        description =
                "Measure the demo model: passkey, niah, variable tracking and MQAR on held-out cases, dense and uniform(16+256).")
public final class EvaluateDemoCommand implements Callable<Integer> {
    @Option(
            names = "--model",
            defaultValue = "models/demo",
            paramLabel = "DIR",
            description = "model directory (default: ${DEFAULT-VALUE})")
    Path model;

    @Option(
            names = "--lengths",
            split = ",",
            defaultValue = "512,1024,2048",
            description = "prompt lengths (default: ${DEFAULT-VALUE})")
    List<Integer> lengths;

    @Option(
            names = "--depths",
            defaultValue = "10",
            description = "cases per cell, depths spread over 0..100%% (default: ${DEFAULT-VALUE})")
    int depths;

    @Option(
            names = "--tasks",
            split = ",",
            defaultValue = "passkey,niah_single,variable_tracking,mqar",
            description = "tasks (default: ${DEFAULT-VALUE})")
    List<String> tasks;

    @Option(
            names = "--seed",
            defaultValue = "20261122",
            description = "seed of the held-out cases (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(
            names = "--filler-jitter",
            defaultValue = "0",
            description =
                    "vary the filler amount by up to this fraction (default: ${DEFAULT-VALUE})")
    double fillerJitter;

    @Option(
            names = "--threads",
            defaultValue = "0",
            description = "PyTorch intra-op threads, 0 = PyTorch's default")
    int threads;

    @Option(names = "--show", description = "print one generation per cell")
    boolean show;

    @Option(
            names = "--markdown",
            paramLabel = "FILE",
            description = "also write the table to this file")
    Path markdown;

    @Option(
            names = "--cases",
            paramLabel = "FILE",
            description =
                    "also write every case (prompt, expected, generated, score) to this JSON-lines file")
    Path cases;

    @Override
    public Integer call() throws Exception {
        if (depths < 1) throw new HeadroomException("--depths must be at least 1, got " + depths);
        TrainDemoCommand.setThreads(threads);
        long t0 = System.nanoTime();
        try (LoadedModel m = LoadedModel.load(model)) {
            DemoEvaluator ev = new DemoEvaluator(m, seed, fillerJitter);
            if (show) ev.showSamples(System.err);
            List<DemoEvaluator.CaseResult> results = new ArrayList<>();
            ev.onCase(results::add);
            Map<String, Map<Integer, DemoEvaluator.Cell>> rows =
                    ev.table(tasks, lengths, depths, System.err);
            String table = DemoEvaluator.markdown(rows, lengths);
            System.out.print(table);
            System.out.printf(
                    Locale.ROOT,
                    "(%d cases per cell, held-out split, seed %d; %.1f min)%n",
                    depths,
                    seed,
                    (System.nanoTime() - t0) / 60e9);
            if (markdown != null) AtomicFiles.writeString(markdown, table);
            if (cases != null) {
                ObjectMapper json = new ObjectMapper();
                StringBuilder lines = new StringBuilder();
                for (DemoEvaluator.CaseResult r : results)
                    lines.append(json.writeValueAsString(r)).append('\n');
                AtomicFiles.writeString(cases, lines.toString());
            }
        }
        return 0;
    }
}
