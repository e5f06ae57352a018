package dev.headroom.pipeline.cli;

import dev.headroom.attention.HeadroomException;

/** Parses "1,2,3" token id lists given on the command line. */
final class TokenIds {
    private TokenIds() {}

    static int[] parse(String option, String text) {
        String[] parts = text.trim().split("\\s*,\\s*");
        int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                ids[i] = Integer.parseInt(parts[i]);
            } catch (NumberFormatException e) {
                throw new HeadroomException(
                        option + ": '" + parts[i] + "' (item " + (i + 1) + ") is not a token id");
            }
        }
        if (ids.length == 0 || text.isBlank())
            throw new HeadroomException(option + ": no token ids given");
        return ids;
    }

    static void checkRange(String option, int[] ids, int vocab) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocab) {
                throw new HeadroomException(
                        option
                                + ": token id "
                                + ids[i]
                                + " (item "
                                + (i + 1)
                                + ") is outside the vocabulary [0, "
                                + vocab
                                + ")");
            }
        }
    }
}
