package dev.headroom.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.headroom.attention.policy.DensePolicy;
import dev.headroom.attention.runtime.GreedyGenerator;
import dev.headroom.attention.cpu.LoadedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** evaluate-demo's per-case file: one line per case and policy, and a text prompt replays to the same output. */
class EvaluateDemoCommandTest {

    @Test
    void writesEveryCaseAndItsPromptReplays(@TempDir Path dir) throws Exception {
        Path model = Path.of(System.getProperty("headroom.repo.root", "..")).resolve("models/demo");
        assumeTrue(Files.isRegularFile(model.resolve("model.safetensors")), "no committed demo model at " + model);
        Path cases = dir.resolve("cases.jsonl");
        int rc = new CommandLine(new EvaluateDemoCommand()).execute("--model", model.toString(), "--lengths", "256",
                "--depths", "2", "--tasks", "passkey,mqar", "--cases", cases.toString());
        assertEquals(0, rc);
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> lines = new ArrayList<>();
        for (String l : Files.readAllLines(cases)) lines.add(json.readTree(l));
        assertEquals(2 * 2 * 2, lines.size(), "tasks x policies x depths");
        JsonNode passkey = lines.stream().filter(n -> n.get("task").asText().equals("passkey")
                && n.get("policy").asText().equals(new DensePolicy().name())).findFirst().orElseThrow();
        JsonNode mqar = lines.stream().filter(n -> n.get("task").asText().equals("mqar")).findFirst().orElseThrow();
        assertTrue(mqar.get("prompt").isNull() && mqar.get("promptIds").size() > 0, mqar.toString());
        try (LoadedModel m = LoadedModel.load(model)) {
            int[] ids = m.tokenizer().encode(passkey.get("prompt").asText());
            assertEquals(passkey.get("promptTokens").asInt(), ids.length);
            int maxNew = 8;
            String replay = m.tokenizer().decode(new GreedyGenerator(m).generate(ids, maxNew, new DensePolicy(), true).tokens());
            String recorded = passkey.get("output").asText();
            assertTrue(replay.startsWith(recorded) || recorded.startsWith(replay), recorded + " vs " + replay);
        }
    }
}
