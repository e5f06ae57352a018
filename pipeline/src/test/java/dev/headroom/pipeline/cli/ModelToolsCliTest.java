package dev.headroom.pipeline.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** inspect, generate and logits as a user runs them: exit codes, exact stdout, one-line errors. */
class ModelToolsCliTest {
    private static final Path FIXTURES = Path.of("../attention/src/test/resources/hf-fixtures");

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    private static Path stories() {
        String prop = System.getProperty("headroom.test.models");
        Path dir =
                (prop != null ? Path.of(prop) : Path.of("../../shared/models"))
                        .resolve("stories260K");
        assumeTrue(Files.isDirectory(dir), dir + " is absent; skipping");
        return dir;
    }

    @Test
    void generateJsonPrintsExactlyTheNewTokens() throws Exception {
        CliRun r =
                run(
                        "generate",
                        "--model",
                        stories().toString(),
                        "--prompt-ids",
                        "1",
                        "--max-new-tokens",
                        "8",
                        "--json");
        assertEquals(0, r.code(), r.err());
        assertEquals("{\"tokens\":[461,461,401,401,401,461,378,455]}", r.out().strip());
        assertEquals(1, r.out().strip().lines().count());
    }

    @Test
    void logitsJsonHasArgmaxPerPositionAndLastLogits() throws Exception {
        Path model = FIXTURES.resolve("qwen2_f32_tied");
        JsonNode exp = new ObjectMapper().readTree(model.resolve("expected.json").toFile());
        StringBuilder ids = new StringBuilder();
        for (JsonNode n : exp.get("input_ids"))
            ids.append(ids.length() == 0 ? "" : ",").append(n.asInt());
        CliRun r = run("logits", "--model", model.toString(), "--ids", ids.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode got = new ObjectMapper().readTree(r.out());
        assertEquals(exp.get("argmax"), got.get("argmax"));
        assertEquals(exp.get("last_logits").size(), got.get("last_logits").size());
        for (int v = 0; v < got.get("last_logits").size(); v++) {
            assertEquals(
                    exp.get("last_logits").get(v).asDouble(),
                    got.get("last_logits").get(v).asDouble(),
                    1e-4);
        }
    }

    @Test
    void inspectPrintsTheSummary() {
        CliRun r = run("inspect", "--model", FIXTURES.resolve("mistral_bf16").toString());
        assertEquals(0, r.code(), r.err());
        for (String line :
                new String[] {
                    "MistralForCausalLM",
                    "layers           2",
                    "query heads      4",
                    "kv heads         2 (groups of 2)",
                    "head dim         16",
                    "context length   256",
                    "dtype            BF16",
                    "kv cache / token 256 bytes in BF16"
                }) {
            assertTrue(r.out().contains(line), "missing '" + line + "' in:\n" + r.out());
        }
    }

    @Test
    void badInputGetsOneLineAndExitCode2() {
        CliRun missing = run("inspect", "--model", "no/such/dir");
        assertEquals(2, missing.code());
        assertEquals("error: no/such/dir: model directory not found", missing.err().strip());

        CliRun badIds =
                run(
                        "generate",
                        "--model",
                        FIXTURES.resolve("llama_f32_tied").toString(),
                        "--prompt-ids",
                        "1,999",
                        "--max-new-tokens",
                        "2");
        assertEquals(2, badIds.code());
        assertEquals(1, badIds.err().strip().lines().count(), badIds.err());
        assertTrue(
                badIds.err().contains("token id 999 (item 2) is outside the vocabulary [0, 128)"),
                badIds.err());

        CliRun noTokenizer =
                run(
                        "generate",
                        "--model",
                        FIXTURES.resolve("llama_f32_tied").toString(),
                        "--prompt",
                        "hello",
                        "--max-new-tokens",
                        "2");
        assertEquals(2, noTokenizer.code());
        assertTrue(
                noTokenizer.err().contains("no tokenizer.json; use --prompt-ids"),
                noTokenizer.err());
    }

    @Test
    void pastTheContextLengthAndAnUnbuiltBackendAreRefusedInOneLine() {
        // stories260K has a context of 512: a 1-token prompt fits 512 new tokens, not 513
        CliRun tooLong =
                run(
                        "generate",
                        "--model",
                        stories().toString(),
                        "--prompt-ids",
                        "1",
                        "--max-new-tokens",
                        "513");
        assertEquals(2, tooLong.code());
        assertEquals(
                "error: --max-new-tokens: a prompt of 1 tokens plus 513 new tokens runs past the model's context length "
                        + "of 512 tokens (at most 512 new tokens fit)",
                tooLong.err().strip());

        CliRun gpu =
                run(
                        "generate",
                        "--model",
                        stories().toString(),
                        "--prompt-ids",
                        "1",
                        "--max-new-tokens",
                        "2",
                        "--backend",
                        "gpu");
        assertEquals(2, gpu.code());
        assertTrue(
                gpu.err().strip().startsWith("error: backend gpu: no CUDA driver or GPU"),
                gpu.err());

        CliRun badBackend =
                run(
                        "logits",
                        "--model",
                        stories().toString(),
                        "--ids",
                        "1",
                        "--json",
                        "--backend",
                        "tpu");
        assertEquals(2, badBackend.code());
        assertTrue(
                badBackend
                        .err()
                        .strip()
                        .startsWith("error: --backend: backend must be auto, cpu, gpu or oracle"),
                badBackend.err());
    }

    @Test
    void theOracleBackendGivesTheSameTokens() throws Exception {
        CliRun cpu =
                run(
                        "generate",
                        "--model",
                        stories().toString(),
                        "--prompt-ids",
                        "1",
                        "--max-new-tokens",
                        "6",
                        "--json");
        CliRun oracle =
                run(
                        "generate",
                        "--model",
                        stories().toString(),
                        "--prompt-ids",
                        "1",
                        "--max-new-tokens",
                        "6",
                        "--json",
                        "--backend",
                        "oracle");
        assertEquals(0, oracle.code(), oracle.err());
        assertEquals(cpu.out(), oracle.out());
    }
}
