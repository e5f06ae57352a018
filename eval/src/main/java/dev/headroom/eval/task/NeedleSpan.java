package dev.headroom.eval.task;

import java.io.Serializable;

/**
 * Where a needle value sits in a prompt, as [start, end): character offsets into {@link
 * TaskCase#prompt()} for text cases, token positions into {@link TaskCase#promptIds()} for token
 * cases. The profile stage checks whether a head attends inside these spans while the model copies
 * the value out.
 */
public record NeedleSpan(int start, int end) implements Serializable {

    public NeedleSpan {
        if (start < 0 || end <= start) {
            throw new IllegalArgumentException("bad span [" + start + ", " + end + ")");
        }
    }

    public int length() {
        return end - start;
    }
}
