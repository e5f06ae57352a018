package dev.headroom.eval.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TaskVocabularyTest {

    @Test
    void allWordsCoversEveryPromptAndAnswerOfEveryTextTask() {
        Set<String> vocabulary = new HashSet<>(TaskVocabulary.allWords());
        for (Split split : Split.values()) {
            for (String name : TaskCatalog.TEXT_TASKS) {
                TaskGenerator g =
                        TaskCatalog.textTask(
                                name,
                                TokenCounter.words(),
                                GeneratorOptions.DEFAULT.withSplit(split));
                for (int sample = 0; sample < 5; sample++) {
                    TaskCase c = g.generate(400 + 100 * sample, sample / 4.0, sample, 1);
                    for (String text : List.of(c.prompt(), String.join(" ", c.answers()))) {
                        for (String word : TaskVocabulary.splitWords(text)) {
                            assertTrue(
                                    vocabulary.contains(word),
                                    name + " emitted '" + word + "' outside allWords");
                        }
                    }
                }
            }
        }
    }

    @Test
    void allWordsIsSmallAndHasTheExpectedEntries() {
        List<String> words = TaskVocabulary.allWords();
        assertTrue(words.size() < 300, "vocabulary of " + words.size());
        for (String w :
                List.of(
                        "The",
                        "pass",
                        "key",
                        "grass",
                        "special",
                        "magic",
                        "numbers",
                        "number",
                        "VAR",
                        "=",
                        ".",
                        ",",
                        "?",
                        ":",
                        "(",
                        ")",
                        "assgined",
                        "0",
                        "9",
                        "apple",
                        "whistle",
                        "SQHUM",
                        "LYOJX")) {
            assertTrue(words.contains(w), w);
        }
        assertEquals(
                List.of("The", "pass", "key", "is", "7", "1", "4", "3", "2", "."),
                TaskVocabulary.splitWords("The pass key is 71432."));
    }

    @Test
    void keyWordsSplitIntoDisjointSetsThatNeverOverlapTemplatesOrEachOther() {
        assertEquals(60, TaskVocabulary.keyWords(Split.ANY).size());
        Set<String> train = new HashSet<>(TaskVocabulary.keyWords(Split.TRAIN));
        Set<String> heldOut = new HashSet<>(TaskVocabulary.keyWords(Split.HELD_OUT));
        assertEquals(48, train.size());
        assertEquals(12, heldOut.size());
        assertTrue(train.stream().noneMatch(heldOut::contains));
        Set<String> templateWords = new HashSet<>();
        Templates.allFixedTexts()
                .forEach(
                        t ->
                                TaskVocabulary.splitWords(t.toLowerCase())
                                        .forEach(templateWords::add));
        List<String> all = TaskVocabulary.keyWords(Split.ANY);
        for (String a : all) {
            assertFalse(templateWords.contains(a), a + " is a template word");
            for (String b : all) {
                assertTrue(a.equals(b) || !b.contains(a), a + " inside " + b);
            }
        }
        Set<String> trainNames = new HashSet<>(TaskVocabulary.variableNames(Split.TRAIN));
        assertTrue(
                TaskVocabulary.variableNames(Split.HELD_OUT).stream()
                        .noneMatch(trainNames::contains));
    }

    @Test
    void numbersOfTheTwoSplitsAreDisjointAndBothPlentiful() {
        Random rng = new Random(1);
        Set<String> train = new HashSet<>();
        Set<String> heldOut = new HashSet<>();
        for (int i = 0; i < 2000; i++) {
            train.add(SplitSampler.number(rng, 5, Split.TRAIN));
            heldOut.add(SplitSampler.number(rng, 5, Split.HELD_OUT));
        }
        assertTrue(train.size() > 1900 && heldOut.size() > 1900);
        for (String n : heldOut) {
            assertFalse(train.contains(n));
            assertTrue(Split.HELD_OUT.containsHashed(n) && !Split.TRAIN.containsHashed(n));
        }
        // About a quarter of all numbers are held out.
        int held = 0;
        for (int n = 10000; n < 20000; n++) {
            if (Split.HELD_OUT.containsHashed(Integer.toString(n))) {
                held++;
            }
        }
        assertEquals(0.25, held / 10000.0, 0.02);
    }

    @Test
    void heldOutCasesUseOnlyHeldOutKeysAndNumbers() {
        Set<String> heldOutKeys = new HashSet<>(TaskVocabulary.HELD_OUT_KEY_WORDS);
        GeneratorOptions heldOut = GeneratorOptions.DEFAULT.withSplit(Split.HELD_OUT);
        for (int sample = 0; sample < 10; sample++) {
            TaskCase c =
                    NiahTask.multiKey(TokenCounter.words())
                            .withOptions(heldOut)
                            .generate(500, 0.5, sample, 1);
            for (String[] needle : NiahTaskTest.needles(c.prompt())) {
                assertTrue(heldOutKeys.contains(needle[0]), needle[0]);
                assertTrue(Split.HELD_OUT.containsHashed(needle[1]), needle[1]);
            }
            TaskCase p =
                    new PassKeyTask(TokenCounter.words())
                            .withOptions(heldOut)
                            .generate(300, 0.5, sample, 1);
            assertTrue(Split.HELD_OUT.containsHashed(p.answers().get(0)));
            TaskCase v =
                    new VariableTrackingTask(TokenCounter.words())
                            .withOptions(heldOut)
                            .generate(300, 0.5, sample, 1);
            assertTrue(TaskVocabulary.HELD_OUT_VARIABLE_NAMES.containsAll(v.answers()));
        }
    }
}
