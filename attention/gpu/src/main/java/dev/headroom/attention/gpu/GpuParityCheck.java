package dev.headroom.attention.gpu;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Checks every kernel family against {@link AttentionReference} (float64) on fresh random inputs at several shapes,
 * odd lengths included, with outputs poisoned by NaN before each run. Passing: relative L2 below {@link #BOUND}.
 * Run on the GPU machine: {@code java -cp ... dev.headroom.attention.gpu.GpuParityCheck [seed]}.
 */
public final class GpuParityCheck {
  public static final double BOUND = 1e-2;

  /** One comparison. NaN in the output makes relL2 NaN, which never passes. */
  public record Result(String name, double relL2) {
    public boolean passed() {
      return relL2 < BOUND; // false for NaN
    }

    @Override
    public String toString() {
      return String.format("%-58s rel L2 %.2e  %s", name, relL2, passed() ? "ok" : "FAIL");
    }
  }

  private final CudaContext cuda;
  private final Random random;

  public GpuParityCheck(CudaContext cuda, long seed) {
    this.cuda = cuda;
    this.random = new Random(seed);
  }

  private short[] uniform(long n, float lo, float hi) {
    short[] x = new short[Math.toIntExact(n)];
    for (int i = 0; i < x.length; i++) x[i] = Bf16.fromFloat(lo + (hi - lo) * random.nextFloat());
    return x;
  }

  public List<Result> prefill() {
    List<Result> results = new ArrayList<>();
    FlashPrefillKernel kernel = new FlashPrefillKernel(cuda);
    Object[][] cases = {
      {new AttentionShape(4, 2, 1, 64), SparsePlan.dense(2)},
      {new AttentionShape(4, 1, 131, 128), SparsePlan.dense(1)},
      {new AttentionShape(2, 2, 200, 64), SparsePlan.dense(2)},
      {new AttentionShape(8, 2, 257, 128), SparsePlan.dense(2)},
      {new AttentionShape(4, 2, 300, 64), SparsePlan.of(new int[] {4, 64}, new int[] {17, 100})},
      {new AttentionShape(8, 4, 513, 128), SparsePlan.of(new int[] {0, 64, 3, 100}, new int[] {64, 1, 200, 0})},
      {new AttentionShape(4, 4, 390, 128), SparsePlan.of(new int[] {1, 0, 70, 5}, new int[] {65, 130, 63, 129})},
    };
    List<FlashPrefillKernel.Variant> variants = new ArrayList<>(List.of(FlashPrefillKernel.Variant.MMA_SYNC));
    if (cuda.computeCapability() == 90) variants.add(FlashPrefillKernel.Variant.WGMMA);
    for (Object[] c : cases) {
      AttentionShape s = (AttentionShape) c[0];
      SparsePlan plan = (SparsePlan) c[1];
      short[] q = uniform(s.queryElements(), -1, 1), k = uniform(s.kvElements(), -1, 1);
      short[] v = uniform(s.kvElements(), -1, 1);
      double[] ref = AttentionReference.prefill(Bf16.toFloats(q), Bf16.toFloats(k), Bf16.toFloats(v), s, plan);
      for (FlashPrefillKernel.Variant variant : variants) {
        short[] out = kernel.run(q, k, v, s, plan, variant);
        results.add(new Result("prefill " + variant + " " + shortName(s) + " " + plan,
            AttentionReference.relativeL2(out, ref)));
      }
    }
    return results;
  }

  public List<Result> compressedDecode() {
    List<Result> results = new ArrayList<>();
    Object[][] cases = { // heads, plan, headDim, tokens
      {8, SparsePlan.of(new int[] {4, 0}, new int[] {37, SparsePlan.FULL}), 64, 100},
      {4, SparsePlan.of(new int[] {64, 0, 16, 1}, new int[] {64, 300, SparsePlan.FULL, 999}), 128, 1501},
      {8, SparsePlan.of(new int[] {0}, new int[] {SparsePlan.FULL}), 128, 2053},
    };
    for (Object[] c : cases) {
      int heads = (Integer) c[0], d = (Integer) c[2], tokens = (Integer) c[3];
      SparsePlan plan = (SparsePlan) c[1];
      int kvHeads = plan.kvHeads();
      short[] histK = uniform((long) kvHeads * tokens * d, -1, 1), histV = uniform((long) kvHeads * tokens * d, -1, 1);
      try (CompressedKvCache cache = new CompressedKvCache(cuda, plan, d, tokens);
          CompressedDecodeKernel kernel = new CompressedDecodeKernel(cuda, cache, heads)) {
        short[] kRow = new short[kvHeads * d], vRow = new short[kvHeads * d];
        for (int t = 0; t < tokens; t++) { // token by token, so the ring buffer wraps as in real decoding
          for (int h = 0; h < kvHeads; h++) {
            System.arraycopy(histK, (h * tokens + t) * d, kRow, h * d, d);
            System.arraycopy(histV, (h * tokens + t) * d, vRow, h * d, d);
          }
          cache.append(kRow, vRow);
        }
        short[] q = uniform((long) heads * d, -1, 1);
        short[] out = kernel.decode(q);
        float[][] keys = new float[kvHeads][], values = new float[kvHeads][];
        for (int h = 0; h < kvHeads; h++) {
          List<Integer> kept = new ArrayList<>();
          for (int j = 0; j < tokens; j++) if (plan.visible(h, tokens - 1, j)) kept.add(j);
          keys[h] = new float[kept.size() * d];
          values[h] = new float[kept.size() * d];
          for (int i = 0; i < kept.size(); i++) {
            for (int e = 0; e < d; e++) {
              keys[h][i * d + e] = Bf16.toFloat(histK[(h * tokens + kept.get(i)) * d + e]);
              values[h][i * d + e] = Bf16.toFloat(histV[(h * tokens + kept.get(i)) * d + e]);
            }
          }
        }
        double[] ref = AttentionReference.decode(Bf16.toFloats(q), keys, values, heads, d);
        results.add(new Result("compressed decode heads " + heads + " d " + d + " tokens " + tokens + " " + plan,
            AttentionReference.relativeL2(out, ref)));
      }
    }
    return results;
  }

  public List<Result> kiviDecode() {
    List<Result> results = new ArrayList<>();
    int[][] cases = { // bits, heads, kvHeads, headDim, tokens, minResidual
      {2, 8, 2, 128, 300, 40}, {4, 8, 2, 128, 300, 40}, {2, 4, 4, 64, 2100, 128}, {4, 8, 1, 64, 1111, 17},
      {2, 16, 2, 128, 20, 32}, {4, 4, 2, 128, 4129, 0},
    };
    for (int[] c : cases) {
      int bits = c[0], heads = c[1], kvHeads = c[2], d = c[3], tokens = c[4], minResidual = c[5];
      short[] k = uniform((long) kvHeads * tokens * d, -1, 1), v = uniform((long) kvHeads * tokens * d, -1, 1);
      KiviCacheData data = KiviQuantizer.quantize(k, v, kvHeads, tokens, d, bits, minResidual);
      try (KiviCache cache = KiviCache.upload(cuda, data);
          KiviDecodeKernel kernel = new KiviDecodeKernel(cuda, cache, heads)) {
        short[] q = uniform((long) heads * d, -1, 1);
        short[] out = kernel.decode(q);
        float[][] keys = new float[kvHeads][], values = new float[kvHeads][];
        for (int h = 0; h < kvHeads; h++) {
          keys[h] = data.keys(h);
          values[h] = data.values(h);
        }
        double[] ref = AttentionReference.decode(Bf16.toFloats(q), keys, values, heads, d);
        results.add(new Result(String.format("kivi decode %d-bit heads %d/%d d %d quantized %d residual %d", bits,
            heads, kvHeads, d, data.quantizedTokens(), data.residualTokens()),
            AttentionReference.relativeL2(out, ref)));
      }
    }
    return results;
  }

  public List<Result> linear() {
    List<Result> results = new ArrayList<>();
    Object[][] cases = {{new AttentionShape(4, 2, 77, 64), true}, {new AttentionShape(2, 1, 100, 128), false},
      {new AttentionShape(8, 8, 33, 128), true}};
    for (Object[] c : cases) {
      AttentionShape s = (AttentionShape) c[0];
      boolean normalize = (Boolean) c[1];
      int len = s.length(), d = s.headDim();
      AttentionShape full = new AttentionShape(s.heads(), s.kvHeads(), len + 1, d); // prefill + one decode step
      short[] q = uniform(full.queryElements(), 0, 1), k = uniform(full.kvElements(), 0, 1);
      short[] v = uniform(full.kvElements(), -1, 1);
      double[] ref = AttentionReference.linear(Bf16.toFloats(q), Bf16.toFloats(k), Bf16.toFloats(v), full, normalize);
      try (LinearAttentionKernel kernel = new LinearAttentionKernel(cuda, s.heads(), s.kvHeads(), d, normalize)) {
        short[] out = kernel.prefill(prefix(q, s.heads(), len + 1, len, d), prefix(k, s.kvHeads(), len + 1, len, d),
            prefix(v, s.kvHeads(), len + 1, len, d), len);
        double[] refPrefill = new double[out.length];
        for (int h = 0; h < s.heads(); h++) System.arraycopy(ref, h * (len + 1) * d, refPrefill, h * len * d, len * d);
        results.add(new Result("linear prefill " + s + " normalize " + normalize,
            AttentionReference.relativeL2(out, refPrefill)));
        short[] step = kernel.decodeStep(row(q, s.heads(), len + 1, len, d), row(k, s.kvHeads(), len + 1, len, d),
            row(v, s.kvHeads(), len + 1, len, d));
        double[] refStep = new double[s.heads() * d];
        for (int h = 0; h < s.heads(); h++) System.arraycopy(ref, (h * (len + 1) + len) * d, refStep, h * d, d);
        results.add(new Result("linear decode step after " + len + " heads " + s.heads() + "/" + s.kvHeads() + " d "
            + d, AttentionReference.relativeL2(step, refStep)));
      }
    }
    return results;
  }

  private static String shortName(AttentionShape s) {
    return "heads " + s.heads() + "/" + s.kvHeads() + " len " + s.length() + " d " + s.headDim();
  }

  /** The first {@code keep} tokens of each head of [heads][len][d]. */
  private static short[] prefix(short[] x, int heads, int len, int keep, int d) {
    short[] out = new short[heads * keep * d];
    for (int h = 0; h < heads; h++) System.arraycopy(x, h * len * d, out, h * keep * d, keep * d);
    return out;
  }

  /** Token {@code t} of each head of [heads][len][d], as [heads][d]. */
  private static short[] row(short[] x, int heads, int len, int t, int d) {
    short[] out = new short[heads * d];
    for (int h = 0; h < heads; h++) System.arraycopy(x, (h * len + t) * d, out, h * d, d);
    return out;
  }

  /** Results of one family: prefill, compressed, kivi or linear. */
  public List<Result> family(String name) {
    switch (name) {
      case "prefill": return prefill();
      case "compressed": return compressedDecode();
      case "kivi": return kiviDecode();
      case "linear": return linear();
      default: throw new IllegalArgumentException("unknown family " + name);
    }
  }

  /** Usage: GpuParityCheck [--seed N] [prefill|compressed|kivi|linear ...] (all families when none named). */
  public static void main(String[] args) {
    long seed = System.nanoTime();
    List<String> families = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--seed")) seed = Long.parseLong(args[++i]);
      else families.add(args[i]);
    }
    if (families.isEmpty()) families = List.of("prefill", "compressed", "kivi", "linear");
    GpuAvailability gpu = GpuAvailability.probe();
    if (!gpu.available()) {
      System.out.println("parity: skipped, " + gpu.description());
      System.exit(2);
    }
    System.out.println("parity on " + gpu.description() + ", seed " + seed + ", bound " + BOUND);
    int failed = 0;
    try (CudaContext cuda = new CudaContext()) {
      GpuParityCheck check = new GpuParityCheck(cuda, seed);
      for (String family : families) {
        for (Result r : check.family(family)) {
          System.out.println(r);
          if (!r.passed()) failed++;
        }
      }
    }
    System.out.println(failed == 0 ? "parity: all passed " + families : "parity: " + failed + " FAILED " + families);
    System.exit(failed == 0 ? 0 : 1);
  }
}
