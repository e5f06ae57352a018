package dev.headroom.eval.task;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The closed vocabulary of the text generators: template words, key words, pooled variable names,
 * digits and punctuation. A word-level tokenizer built from {@link #allWords()} and splitting like
 * {@link #splitWords(String)} covers every prompt and answer the text generators emit, except
 * user-given haystack text and {@link VariableTrackingTask.NameStyle#RANDOM_LETTERS} names.
 * Whitespace (" " and "\n") only separates words and is not listed.
 */
public final class TaskVocabulary {

    private TaskVocabulary() {}

    /**
     * Key words seen in training. Common concrete nouns, none used by the templates, none a
     * substring of another.
     */
    public static final List<String> TRAIN_KEY_WORDS =
            List.of(
                    "apple",
                    "river",
                    "garden",
                    "window",
                    "pencil",
                    "candle",
                    "bridge",
                    "castle",
                    "forest",
                    "island",
                    "ladder",
                    "mirror",
                    "orange",
                    "pepper",
                    "rabbit",
                    "saddle",
                    "tiger",
                    "violin",
                    "wagon",
                    "anchor",
                    "basket",
                    "cactus",
                    "dragon",
                    "engine",
                    "falcon",
                    "guitar",
                    "hammer",
                    "jacket",
                    "kettle",
                    "lemon",
                    "marble",
                    "napkin",
                    "oyster",
                    "parrot",
                    "pillow",
                    "rocket",
                    "shovel",
                    "tomato",
                    "turtle",
                    "umbrella",
                    "wallet",
                    "zebra",
                    "bottle",
                    "button",
                    "carpet",
                    "cherry",
                    "cookie",
                    "donkey");

    /** Key words kept out of training, to test robustness to unseen keys. */
    public static final List<String> HELD_OUT_KEY_WORDS =
            List.of(
                    "feather", "glove", "helmet", "lantern", "meadow", "monkey", "piano", "puzzle",
                    "ribbon", "spoon", "tunnel", "whistle");

    /**
     * Variable names for variable tracking (RULER uses 5 random capitals; a pool keeps the
     * vocabulary closed).
     */
    public static final List<String> TRAIN_VARIABLE_NAMES =
            List.of(
                    "SQHUM", "VTBBU", "MZAFN", "PWPHU", "LJMQI", "WWZQP", "JKEMY", "QLTWN", "THYUR",
                    "ISHPG", "YTMIV", "BDOYL", "OFFRJ", "YVMIF", "RSEXN", "SGOCS", "KKNEW", "OTSLW",
                    "ZLNAM", "GNVFE", "INDJY", "UDMFP", "JGOWH", "FXMEF", "ESPVK", "CDVTN", "ICHJC",
                    "DMHGY", "SOGWL", "SVNWU");

    public static final List<String> HELD_OUT_VARIABLE_NAMES =
            List.of(
                    "BHPKV", "CTNUN", "RRNHM", "SSTBM", "SQSET", "BBNDB", "GYJAK", "YGQOS", "MMRBZ",
                    "LYOJX");

    public static final List<String> DIGITS =
            List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");

    /** Letter runs, single digits, single other non-space characters. */
    private static final Pattern WORD = Pattern.compile("[A-Za-z]+|[0-9]|[^\\sA-Za-z0-9]");

    public static List<String> keyWords(Split split) {
        return switch (split) {
            case TRAIN -> TRAIN_KEY_WORDS;
            case HELD_OUT -> HELD_OUT_KEY_WORDS;
            case ANY -> concat(TRAIN_KEY_WORDS, HELD_OUT_KEY_WORDS);
        };
    }

    public static List<String> variableNames(Split split) {
        return switch (split) {
            case TRAIN -> TRAIN_VARIABLE_NAMES;
            case HELD_OUT -> HELD_OUT_VARIABLE_NAMES;
            case ANY -> concat(TRAIN_VARIABLE_NAMES, HELD_OUT_VARIABLE_NAMES);
        };
    }

    /**
     * Every word and punctuation mark the text generators can emit (sorted, case-sensitive), for
     * building a word-level tokenizer. Numbers are emitted as digit strings: split them into
     * digits.
     */
    public static List<String> allWords() {
        Set<String> words = new TreeSet<>();
        for (String text : Templates.allFixedTexts()) {
            words.addAll(splitWords(text));
        }
        words.addAll(TRAIN_KEY_WORDS);
        words.addAll(HELD_OUT_KEY_WORDS);
        words.addAll(TRAIN_VARIABLE_NAMES);
        words.addAll(HELD_OUT_VARIABLE_NAMES);
        words.addAll(DIGITS);
        return List.copyOf(words);
    }

    /**
     * The reference word split: "The pass key is 71432." gives The, pass, key, is, 7, 1, 4, 3, 2,
     * "."
     */
    public static List<String> splitWords(String text) {
        List<String> words = new ArrayList<>();
        Matcher m = WORD.matcher(text);
        while (m.find()) {
            words.add(m.group());
        }
        return words;
    }

    /** Number of words {@link #splitWords(String)} would return, without building the list. */
    static int countWords(String text) {
        int count = 0;
        Matcher m = WORD.matcher(text);
        while (m.find()) {
            count++;
        }
        return count;
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return List.copyOf(all);
    }
}
