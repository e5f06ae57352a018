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
    /**
     * One line for a failed job on a Flink cluster: the deepest cause in the chain, and whether the
     * restart strategy gave up (a TaskManager lost more times than it allows, for example).
     */
    public static HeadroomException flinkJobFailure(
            String stage, String master, Throwable failure) {
        Throwable deepest = failure;
        boolean restartsExhausted = false;
        for (Throwable t = failure; t != null && t.getCause() != t; t = t.getCause()) {
            if (String.valueOf(t.getMessage()).contains("Recovery is suppressed"))
                restartsExhausted = true;
            deepest = t;
        }
        String message = deepest.getMessage() == null ? "" : deepest.getMessage().split("\n")[0];
        String name = deepest.getClass().getSimpleName();
        if (name.equals("SerializedThrowable")) name = "";
        return new HeadroomException(
                stage
                        + ": the Flink job on "
                        + master
                        + " failed"
                        + (restartsExhausted ? " after its restart attempts" : "")
                        + ": "
                        + (name.isEmpty() ? "" : name + ": ")
                        + message
                        + " (the JobManager's log and /jobs/<id>/exceptions have the rest)");
    }

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
