package dev.headroom.attention.gpu;

import java.util.Locale;

/** Where attention runs: {@code auto} takes the GPU when one answers, else the CPU; {@code gpu} insists on it. */
public enum Backend {
  AUTO,
  CPU,
  GPU;

  public static Backend parse(String text) {
    try {
      return valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("backend must be auto, cpu or gpu, not '" + text + "'", e);
    }
  }
}
