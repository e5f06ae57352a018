package dev.headroom.pipeline.api;

import java.util.Arrays;
import java.util.List;

/**
 * An enum a config names by a lowercase word ({@code runner.name: flink}). Its constants are bound
 * when the config is read: an unknown word is refused there, with the config's file:line:column,
 * the nearest word and every allowed one.
 */
public interface ConfigWord {

    /** The word the config writes. */
    String word();

    /** Every word of {@code type}, in declaration order. */
    static <E extends Enum<E> & ConfigWord> List<String> words(Class<E> type) {
        return Arrays.stream(type.getEnumConstants()).map(ConfigWord::word).toList();
    }

    /**
     * The constant of {@code type} written {@code text}.
     *
     * @param what what the word names, for the message ("runner", "calibration source")
     * @throws IllegalArgumentException "unknown runner 'flnk' (did you mean 'flink'?); one of:
     *     direct, flink"
     */
    static <E extends Enum<E> & ConfigWord> E parse(Class<E> type, String text, String what) {
        return parse(type, (Object) text, what);
    }

    /**
     * The constant of {@code type} a config value (a string, a list, a mapping or a number, as
     * bound) stands for.
     *
     * @throws IllegalArgumentException for anything but one of the words
     */
    static <E extends Enum<E> & ConfigWord> E parse(Class<E> type, Object value, String what) {
        if (!(value instanceof String text)) {
            String got =
                    value instanceof java.util.List<?>
                            ? "a list"
                            : value instanceof java.util.Map<?, ?>
                                    ? "a mapping"
                                    : value == null ? "nothing" : "'" + value + "'";
            throw new IllegalArgumentException(
                    "expected one of " + String.join(", ", words(type)) + ", got " + got);
        }
        for (E e : type.getEnumConstants()) {
            if (e.word().equals(text)) return e;
        }
        List<String> words = words(type);
        String near = text == null ? null : Suggestions.nearest(text, words);
        throw new IllegalArgumentException(
                "unknown "
                        + what
                        + " '"
                        + text
                        + "'"
                        + (near == null ? "" : " (did you mean '" + near + "'?)")
                        + "; one of: "
                        + String.join(", ", words));
    }
}
