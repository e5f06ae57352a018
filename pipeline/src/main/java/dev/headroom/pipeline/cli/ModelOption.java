package dev.headroom.pipeline.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The --model option shared by the model tools. */
final class ModelOption {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Hugging Face checkpoint directory")
    Path model;
}
