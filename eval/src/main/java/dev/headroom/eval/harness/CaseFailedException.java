package dev.headroom.eval.harness;

import dev.headroom.attention.HeadroomException;

/** A case that could not be run; the message names the case's coordinates and the cause. */
public final class CaseFailedException extends HeadroomException {

    public CaseFailedException(String coordinates, Throwable cause) {
        super("case " + coordinates + " failed: " + firstLine(cause), cause);
    }

    private static String firstLine(Throwable t) {
        String m =
                t.getMessage() == null
                        ? t.getClass().getSimpleName()
                        : t.getClass().getSimpleName() + ": " + t.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
