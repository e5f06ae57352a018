package dev.headroom.pipeline.cli;

import dev.headroom.attention.HeadroomException;
import dev.headroom.pipeline.config.RunnerKind;
import dev.headroom.pipeline.runner.HeadroomRun;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Runs a YAML pipeline config: {@code headroom run CONFIG [--runner direct|flink] [--flink-master
 * M] [--parallelism N] [--yes]}.
 */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        version = HeadroomCli.VERSION,
        description = "Run a pipeline config (stages in order; completed stages are skipped).")
final class RunCommand implements Callable<Integer> {
    @Parameters(paramLabel = "CONFIG", description = "the YAML pipeline config")
    Path config;

    @Option(
            names = "--runner",
            paramLabel = "RUNNER",
            description = "direct (default) or flink; overrides the config")
    String runner;

    @Option(
            names = "--flink-master",
            paramLabel = "MASTER",
            description =
                    "[local] (an embedded Flink mini-cluster, the default) or host:port of a session cluster; implies --runner flink")
    String flinkMaster;

    @Option(
            names = "--parallelism",
            paramLabel = "N",
            description = "workers; default: the config's, else the number of cores")
    Integer parallelism;

    @Option(
            names = {"-y", "--yes"},
            description =
                    "run stages of any size: a stage of more units of work (evaluate cases) than"
                            + " runner.max_units (default 100000) is refused without it")
    boolean yes;

    @Override
    public Integer call() {
        RunnerKind kind;
        try {
            kind = runner == null ? null : RunnerKind.of(runner);
        } catch (IllegalArgumentException e) {
            throw new HeadroomException("--runner: " + e.getMessage());
        }
        new HeadroomRun(System.out, System.err)
                .run(config, new HeadroomRun.RunnerOverrides(kind, flinkMaster, parallelism, yes));
        return 0;
    }
}
