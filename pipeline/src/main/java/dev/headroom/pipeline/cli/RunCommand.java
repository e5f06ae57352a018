package dev.headroom.pipeline.cli;

import dev.headroom.attention.HeadroomException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** Runs a YAML pipeline config. (Being built: see the pipeline issue.) */
@Command(name = "run", description = "Run a pipeline config.")
final class RunCommand implements Callable<Integer> {
    @Parameters(paramLabel = "CONFIG")
    Path config;

    @Override
    public Integer call() {
        throw new HeadroomException("run: the pipeline is not implemented yet");
    }
}
