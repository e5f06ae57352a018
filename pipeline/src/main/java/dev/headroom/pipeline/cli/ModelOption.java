package dev.headroom.pipeline.cli;

import dev.headroom.attention.HeadroomException;
import dev.headroom.attention.runtime.Backend;
import dev.headroom.attention.runtime.LanguageModelRuntime;
import dev.headroom.attention.runtime.Runtimes;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The --model and --backend options shared by the model tools. */
final class ModelOption {
    @Option(
            names = "--model",
            required = true,
            paramLabel = "DIR",
            description = "Hugging Face checkpoint directory")
    Path model;

    @Option(
            names = "--backend",
            paramLabel = "B",
            defaultValue = "auto",
            description =
                    "auto (the GPU when its runtime can run, else the CPU), cpu, gpu or oracle (float64 reference)")
    String backend;

    /** Loads the model on the chosen backend. */
    LanguageModelRuntime open() {
        Backend b;
        try {
            b = Backend.parse(backend);
        } catch (IllegalArgumentException e) {
            throw new HeadroomException("--backend: " + e.getMessage());
        }
        return Runtimes.open(model, b);
    }
}
