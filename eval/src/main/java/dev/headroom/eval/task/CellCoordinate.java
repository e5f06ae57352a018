package dev.headroom.eval.task;

import java.io.Serializable;

/** Where a case sits within a (task, length) cell of an evaluation grid. */
public record CellCoordinate(double depth, int sampleIndex) implements Serializable {}
