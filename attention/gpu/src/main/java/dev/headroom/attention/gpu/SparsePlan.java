package dev.headroom.attention.gpu;

import java.util.Arrays;

/**
 * A per-KV-head attention pattern: sink tokens plus a causal sliding window (StreamingLLM / MoA). Key k is visible
 * to query i when {@code k <= i} and ({@code k < sink} or {@code i - k < window}). A window of {@link #FULL} (0)
 * means the head sees every earlier token (a dense or retrieval head).
 */
public final class SparsePlan {
  public static final int FULL = 0;

  private final int[] sinks;
  private final int[] windows;

  private SparsePlan(int[] sinks, int[] windows) {
    if (sinks.length != windows.length || sinks.length == 0) {
      throw new IllegalArgumentException("one sink and one window per KV head");
    }
    for (int h = 0; h < sinks.length; h++) {
      if (sinks[h] < 0 || windows[h] < 0) throw new IllegalArgumentException("negative sink or window at head " + h);
    }
    this.sinks = sinks.clone();
    this.windows = windows.clone();
  }

  public static SparsePlan of(int[] sinks, int[] windows) {
    return new SparsePlan(sinks, windows);
  }

  public static SparsePlan dense(int kvHeads) {
    return new SparsePlan(new int[kvHeads], new int[kvHeads]);
  }

  public static SparsePlan uniform(int kvHeads, int sink, int window) {
    int[] s = new int[kvHeads], w = new int[kvHeads];
    Arrays.fill(s, sink);
    Arrays.fill(w, window);
    return new SparsePlan(s, w);
  }

  public int kvHeads() {
    return sinks.length;
  }

  public int sink(int kvHead) {
    return sinks[kvHead];
  }

  public int window(int kvHead) {
    return windows[kvHead];
  }

  public boolean isFull(int kvHead) {
    return windows[kvHead] == FULL;
  }

  public int[] sinks() {
    return sinks.clone();
  }

  public int[] windows() {
    return windows.clone();
  }

  /** The window as the prefill kernel takes it: a full head becomes a window longer than any sequence. */
  int[] kernelWindows() {
    int[] w = windows.clone();
    for (int h = 0; h < w.length; h++) if (w[h] == FULL) w[h] = Integer.MAX_VALUE;
    return w;
  }

  public boolean visible(int kvHead, int query, int key) {
    return key <= query && (key < sinks[kvHead] || windows[kvHead] == FULL || query - key < windows[kvHead]);
  }

  /** Keys visible to query i of this head. */
  public long visibleKeys(int kvHead, int query) {
    int w = windows[kvHead];
    if (w == FULL || query + 1 <= w) return query + 1;
    long window = w;
    long sinkOutside = Math.min(sinks[kvHead], query + 1 - w); // sink keys before the window
    return window + Math.max(0, sinkOutside);
  }

  /** Visible (query, key) pairs over all KV heads for a sequence, each counted once per KV head. */
  public long visiblePairs(int length) {
    long total = 0;
    for (int h = 0; h < kvHeads(); h++) for (int i = 0; i < length; i++) total += visibleKeys(h, i);
    return total;
  }

  /** Visible pairs over the causal triangle's pairs (1 for dense). */
  public double causalDensity(int length) {
    return visiblePairs(length) / ((double) kvHeads() * length * (length + 1L) / 2);
  }

  @Override
  public String toString() {
    return "SparsePlan{sinks=" + Arrays.toString(sinks) + ", windows=" + Arrays.toString(windows) + "}";
  }
}
