package dev.headroom.stages.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.headroom.attention.model.ConfigReader;
import dev.headroom.attention.runtime.Backend;
import dev.headroom.pipeline.api.ConfigProblems;
import dev.headroom.pipeline.api.ModelFacts;
import dev.headroom.stages.evaluate.methods.DenseMethod;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code backend:} of the evaluate stage: auto by default, cpu and gpu by name, anything else
 * refused.
 */
class EvaluateBackendTest {
    @TempDir Path dir;

    private static EvaluateParams params(String backend) {
        return new EvaluateParams(
                List.of(new DenseMethod(null)),
                List.of("copy"),
                List.of(64),
                null,
                null,
                null,
                null,
                null,
                false,
                null,
                backend);
    }

    private List<String> problems(String backend) throws Exception {
        Path m = TestModels.repoRoot().resolve("models/demo");
        Assumptions.assumeTrue(Files.isDirectory(m), "demo model missing: " + m);
        ConfigProblems p =
                new ConfigProblems(
                        new ConfigProblems.Context(
                                Files.createDirectories(dir.resolve("w")),
                                dir.resolve("r"),
                                Set.of()));
        params(backend).validate(p, new ModelFacts(m, ConfigReader.read(m), true));
        return p.all().stream().map(x -> x.where().dotted() + ": " + x.message()).toList();
    }

    @Test
    void theBackendIsAutoUnlessTheConfigNamesOne() throws Exception {
        assertEquals(Backend.AUTO, params(null).backendOrDefault());
        assertEquals(Backend.CPU, params("cpu").backendOrDefault());
        assertEquals(Backend.GPU, params(" GPU ").backendOrDefault());
        for (String ok : new String[] {null, "auto", "cpu", "gpu"})
            assertEquals(List.of(), problems(ok), String.valueOf(ok));
        assertEquals(List.of("backend: 'tpu' is not one of cpu, gpu, auto"), problems("tpu"));
        assertEquals(List.of("backend: 'oracle' is not one of cpu, gpu, auto"), problems("oracle"));
        assertThrows(IllegalArgumentException.class, () -> params("tpu").backendOrDefault());
    }
}
