package dev.headroom.attention;

/**
 * An error the user can act on (a bad file, config value or argument), with a one-line message that
 * names the place and the problem. Front ends print the message alone and exit non-zero; everything
 * else is a bug.
 */
public class HeadroomException extends RuntimeException {
    public HeadroomException(String message) {
        super(message);
    }

    public HeadroomException(String message, Throwable cause) {
        super(message, cause);
    }
}
