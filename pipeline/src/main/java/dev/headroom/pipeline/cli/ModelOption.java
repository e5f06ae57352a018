package dev.headroom.pipeline.cli;

import dev.headroom.attention.HeadroomException;
import dev.headroom.attention.artifact.ModelArtifact;
import dev.headroom.attention.policy.AttentionPolicy;
import dev.headroom.attention.policy.DensePolicy;
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
            description =
                    "Hugging Face checkpoint directory, or a model the export stage wrote (its plan,"
                            + " KV scheme and linear heads are then applied)")
    Path model;

    @Option(
            names = "--dense",
            description =
                    "attend densely with a bf16 cache even where --model is an exported model with a plan")
    boolean dense;

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
        if (ModelArtifact.isArtifact(model)) artifact = ModelArtifact.open(model);
        return Runtimes.open(model, b);
    }

    private ModelArtifact artifact; // set by open() when --model is an exported model

    /** The exported model's contents, checked by {@link #open}; null for a plain checkpoint. */
    ModelArtifact artifact() {
        return artifact;
    }

    /** How the model attends: what an exported model carries, else (or with --dense) densely. */
    AttentionPolicy policy() {
        return artifact == null || dense ? new DensePolicy() : artifact.policy("artifact");
    }
}
