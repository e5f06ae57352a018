package dev.headroom.eval.task;

import java.util.List;

/**
 * Prompt text of the tasks. The passkey text is the Landmark Attention / LongLoRA template, the
 * niah and variable-tracking texts are RULER's (including RULER's spelling "assgined"); the text
 * MQAR wording is ours. Every fixed string lives here so {@link TaskVocabulary} can list its words.
 */
public final class Templates {

    private Templates() {}

    // --- Passkey (Landmark Attention / LongLoRA) ---
    public static final String PASSKEY_TASK_DESCRIPTION =
            "There is an important info hidden inside a lot of irrelevant text. "
                    + "Find it and memorize them. I will quiz you about the important information there.";
    public static final String PASSKEY_QUESTION = "What is the pass key? The pass key is";

    public static String passKeyNeedle(String key) {
        return "The pass key is " + key + ". Remember it. " + key + " is the pass key.";
    }

    // --- The "repeat" / "noise" haystack shared by passkey and RULER ---
    public static final List<String> REPEAT_SENTENCES =
            List.of(
                    "The grass is green.",
                    "The sky is blue.",
                    "The sun is yellow.",
                    "Here we go.",
                    "There and back again.");

    // --- RULER niah; values are numbers, so type_needle_v is "numbers" ---
    /** RULER writes the needle with the plural type in every variant. */
    public static String niahNeedle(String key, String value) {
        return "One of the special magic numbers for " + key + " is: " + value + ".";
    }

    /** Intro line; RULER's singular form is used when exactly one value is asked for. */
    public static String niahIntro(boolean singleAnswer) {
        return singleAnswer
                ? "A special magic number is hidden within the following text. Make sure to memorize it. I will quiz you about the number afterwards."
                : "Some special magic numbers are hidden within the following text. Make sure to memorize it. I will quiz you about the numbers afterwards.";
    }

    /** Question plus answer prefix; {@code query} is one key or RULER's "a, b, and c" list. */
    public static String niahQuestion(String query, boolean singleAnswer) {
        return singleAnswer
                ? "What is the special magic number for "
                        + query
                        + " mentioned in the provided text? "
                        + "The special magic number for "
                        + query
                        + " mentioned in the provided text is"
                : "What are all the special magic numbers for "
                        + query
                        + " mentioned in the provided text? "
                        + "The special magic numbers for "
                        + query
                        + " mentioned in the provided text are";
    }

    /**
     * RULER's way of listing several keys in one question (we list answers the same way): "a", "a,
     * and b", "a, b, and c".
     */
    public static String joinAsList(List<String> keys) {
        if (keys.size() == 1) {
            return keys.get(0);
        }
        return String.join(", ", keys.subList(0, keys.size() - 1))
                + ", and "
                + keys.get(keys.size() - 1);
    }

    // --- RULER variable tracking ---
    public static final String VARIABLE_TRACKING_INTRO =
            "Memorize and track the chain(s) of variable assignment hidden in the following text.";

    public static String variableAssignedValue(String name, String value) {
        return "VAR " + name + " = " + value;
    }

    public static String variableAssignedVariable(String name, String previous) {
        return "VAR " + name + " = VAR " + previous;
    }

    /**
     * RULER's question and answer prefix (RULER ends it with a space; we drop that trailing space).
     */
    public static String variableTrackingQuestion(String value, int numVariables) {
        return "Question: Find all variables that are assigned the value "
                + value
                + " in the text above. "
                + "Answer: According to the chain(s) of variable assignment in the text above, "
                + numVariables
                + " variables are assgined the value "
                + value
                + ", they are:";
    }

    // --- Text MQAR (our wording) ---
    public static final String MQAR_INTRO =
            "Each word below is paired with a number. Remember the pairs.";

    public static String mqarPair(String key, String value) {
        return key + " " + value + ".";
    }

    public static String mqarQuestion(String query, boolean singleQuery) {
        return singleQuery
                ? "What is the number for " + query + "? The number for " + query + " is"
                : "What are the numbers for " + query + "? The numbers for " + query + " are";
    }

    /**
     * Every template with placeholders left empty (numbers as "0"), for listing the template words.
     */
    static List<String> allFixedTexts() {
        return List.of(
                PASSKEY_TASK_DESCRIPTION,
                PASSKEY_QUESTION,
                passKeyNeedle("0"),
                String.join(" ", REPEAT_SENTENCES),
                niahNeedle("", "0"),
                niahIntro(true),
                niahIntro(false),
                niahQuestion(joinAsList(List.of("", "")), true),
                niahQuestion("", false),
                VARIABLE_TRACKING_INTRO,
                variableAssignedValue("", "0"),
                variableAssignedVariable("", ""),
                variableTrackingQuestion("0", 0),
                MQAR_INTRO,
                mqarPair("", "0"),
                mqarQuestion("", true),
                mqarQuestion("", false));
    }
}
