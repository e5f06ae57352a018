package dev.headroom.eval.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headroom.attention.runtime.Backend;
import dev.headroom.attention.runtime.LanguageModelRuntime;
import dev.headroom.eval.task.Scoring;
import dev.headroom.eval.task.TaskCase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Task lookup through the {@link TaskDefinition}s the service file registers. */
class TaskDefinitionTest {

    private static final List<String> KNOWN =
            List.of(
                    "passkey",
                    "niah_single",
                    "niah_multikey",
                    "niah_multivalue",
                    "niah_multiquery",
                    "variable_tracking",
                    "mqar_text",
                    "niah_single_text",
                    "niah_multikey_text",
                    "niah_multivalue_text",
                    "niah_multiquery_text",
                    "copy",
                    "mqar",
                    "kl");

    @Test
    void theServiceFileRegistersEveryFamilyInOrder() {
        assertEquals(KNOWN, TaskFactory.knownTasks());
        assertEquals(List.of("copy", "mqar", "kl"), TaskFactory.TOKEN_TASKS);
        Map<String, Class<?>> family =
                Map.of(
                        "passkey",
                        CatalogTextTaskDefinition.class,
                        "niah_multiquery_text",
                        NiahInTextTaskDefinition.class,
                        "copy",
                        CopyTaskDefinition.class,
                        "mqar",
                        MqarTaskDefinition.class,
                        "kl",
                        TextWindowTaskDefinition.class);
        family.forEach(
                (name, type) -> assertEquals(type, TaskDefinitions.require(name).getClass(), name));
    }

    @Test
    void needsAreThoseOfTheTaskFamily() {
        for (String t : KNOWN) {
            boolean token = List.of("copy", "mqar", "kl").contains(t);
            boolean haystack = t.endsWith("_text") && t.startsWith("niah_");
            assertEquals(!token, TaskFactory.needsTokenizer(t), t);
            assertEquals(haystack, TaskFactory.needsHaystackText(t), t);
            assertEquals(haystack || t.equals("kl"), TaskFactory.needsText(t), t);
        }
        assertTrue(TaskFactory.needsTokenizer("no_such_task"));
        assertFalse(TaskFactory.needsText("niah_no_such_text"));
        assertFalse(TaskFactory.needsHaystackText("niah_no_such_text"));
        assertTrue(TaskDefinitions.find(null).isEmpty());
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> TaskDefinitions.require("nope"));
        assertTrue(
                e.getMessage().startsWith("unknown task 'nope'; known: [passkey,"), e.getMessage());
    }

    @Test
    void tokenTasksBuildOnAModelWithoutTokenizerAndTextTasksSayWhatIsMissing() throws Exception {
        Path dir = CaseRunnerTest.tinyLlama();
        LanguageModelRuntime model = ModelCache.get(dir, Backend.CPU);
        Path ids = Files.createTempFile("kl", ".txt");
        Files.writeString(ids, "5 6 7 8 9 10 11 12");
        assertTrue(
                TaskFactory.build(TaskSpec.of("copy"), model, true)
                                .generate(20, 0.5, 0, 1L)
                                .scoring()
                        instanceof Scoring.TeacherForcedArgmax);
        assertTrue(
                TaskFactory.build(TaskSpec.of("mqar"), model, true)
                                .generate(40, 0.5, 0, 1L)
                                .scoring()
                        instanceof Scoring.TeacherForcedArgmax);
        TaskCase kl =
                TaskFactory.build(new TaskSpec("kl", 0, 8, ids.toString()), model, true)
                        .generate(6, 0.5, 1, 1L);
        assertTrue(kl.scoring() instanceof Scoring.CompareToDense);
        assertEquals(
                List.of(model.config().bosTokenId(), 5, 6, 7, 8, 9),
                java.util.Arrays.stream(kl.promptIds()).boxed().toList());
        if (ModelCache.codec(dir) == null) {
            IllegalArgumentException e =
                    assertThrows(
                            IllegalArgumentException.class,
                            () -> TaskFactory.build(TaskSpec.of("passkey"), model, true));
            assertEquals(
                    "task passkey needs a tokenizer and "
                            + model.directory()
                            + " has no tokenizer.json",
                    e.getMessage());
        }
        IllegalArgumentException noFile =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> TaskFactory.build(TaskSpec.of("kl"), model, true));
        assertEquals("task kl needs a text file", noFile.getMessage());
    }
}
