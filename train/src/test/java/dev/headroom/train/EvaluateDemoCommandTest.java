package dev.headroom.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.headroom.attention.cpu.LoadedModel;
import dev.headroom.attention.policy.AttentionPolicy;
import dev.headroom.attention.runtime.GreedyGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * evaluate-demo's per-case file: one line per case and policy, and every text prompt replays to
 * exactly its recorded output.
 */
class EvaluateDemoCommandTest {

    @Test
    void writesEveryCaseAndItsPromptReplays(@TempDir Path dir) throws Exception {
        Path model = Path.of(System.getProperty("headroom.repo.root", "..")).resolve("models/demo");
        assumeTrue(
                Files.isRegularFile(model.resolve("model.safetensors")),
                "no committed demo model at " + model);
        Path cases = dir.resolve("cases.jsonl");
        int rc =
                new CommandLine(new EvaluateDemoCommand())
                        .execute(
                                "--model",
                                model.toString(),
                                "--lengths",
                                "256",
                                "--depths",
                                "2",
                                "--tasks",
                                "passkey,mqar",
                                "--cases",
                                cases.toString());
        assertEquals(0, rc);
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> lines = new ArrayList<>();
        for (String l : Files.readAllLines(cases)) lines.add(json.readTree(l));
        assertEquals(2 * 2 * 2, lines.size(), "tasks x policies x depths");
        JsonNode mqar =
                lines.stream()
                        .filter(n -> n.get("task").asText().equals("mqar"))
                        .findFirst()
                        .orElseThrow();
        assertTrue(
                mqar.get("prompt").isNull() && mqar.get("promptIds").size() > 0, mqar.toString());
        List<JsonNode> passkeys =
                lines.stream().filter(n -> n.get("task").asText().equals("passkey")).toList();
        assertEquals(2 * 2, passkeys.size(), "passkey x policies x depths");
        try (LoadedModel m = LoadedModel.load(model)) {
            for (JsonNode passkey : passkeys) {
                AttentionPolicy policy =
                        DemoEvaluator.policies().stream()
                                .filter(p -> p.name().equals(passkey.get("policy").asText()))
                                .findFirst()
                                .orElseThrow();
                int[] ids = m.tokenizer().encode(passkey.get("prompt").asText());
                assertEquals(passkey.get("promptTokens").asInt(), ids.length);
                // a limit well past the answer: the recorded generation must have ended at
                // end-of-sequence
                int[] replay = new GreedyGenerator(m).generate(ids, 32, policy, true).tokens();
                int[] recordedIds = json.treeToValue(passkey.get("outputIds"), int[].class);
                String recorded = passkey.get("output").asText();
                assertTrue(
                        recordedIds.length > 0 && !recorded.isEmpty(), "empty output: " + passkey);
                assertArrayEquals(recordedIds, replay, passkey.toString());
                assertEquals(recorded, m.tokenizer().decode(replay), passkey.toString());
                // 256 tokens fit in the window too: every case is answered with exactly the pass
                // key
                assertEquals(
                        " " + passkey.get("expected").get(0).asText() + ".",
                        recorded,
                        passkey.toString());
                assertEquals(1.0, passkey.get("score").asDouble(), passkey.toString());
            }
        }
    }
}
