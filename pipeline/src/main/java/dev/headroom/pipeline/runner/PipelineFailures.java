package dev.headroom.pipeline.runner;

import dev.headroom.attention.HeadroomException;
import dev.headroom.eval.harness.CaseFailedException;

/**
 * Finds the user-facing error in what a runner threw. The DirectRunner wraps a DoFn's exception;
 * Flink ships it as a {@code SerializedThrowable} that keeps only the original class name and
 * message, so that is matched by name.
 */
public final class PipelineFailures {

    private PipelineFailures() {}

    /**
     * A {@link HeadroomException} to rethrow, or null when the failure is not the user's to fix.
     */
    public static HeadroomException userError(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof HeadroomException h) {
                return h;
            }
            String text = t.toString();
            if (text.contains(CaseFailedException.class.getName())
                    || text.contains(HeadroomException.class.getName())) {
                String message = t.getMessage() == null ? text : t.getMessage();
                int colon = message.indexOf(": case ");
                return new HeadroomException(colon >= 0 ? message.substring(colon + 2) : message);
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }
}
