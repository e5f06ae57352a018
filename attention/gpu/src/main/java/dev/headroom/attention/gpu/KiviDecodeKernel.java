package dev.headroom.attention.gpu;

import jcuda.driver.CUfunction;

/**
 * One decode step over a {@link KiviCache}, dequantization fused (kivi_decode.cu): split-K partials over the
 * quantized tokens plus one split for the bf16 residual, then a combine. q and out: bf16 [heads][headDim].
 */
public final class KiviDecodeKernel implements AutoCloseable {
  private final CudaContext cuda;
  private final KiviCache cache;
  private final int heads;
  private final DecodeWorkspace workspace;
  private final CUfunction partial, combine;
  private final int splitLength;

  public KiviDecodeKernel(CudaContext cuda, KiviCache cache, int heads) {
    int group = heads / cache.kvHeads;
    if (heads % cache.kvHeads != 0 || Integer.bitCount(group) != 1 || group > DecodeWorkspace.MAX_GROUP) {
      throw new IllegalArgumentException("KIVI decode takes 1, 2, 4 or 8 query heads per KV head, not "
          + heads + "/" + cache.kvHeads);
    }
    this.cuda = cuda;
    this.cache = cache;
    this.heads = heads;
    splitLength = DecodeWorkspace.splitLength(cache.quantized, cache.kvHeads, cuda.multiprocessors());
    workspace = new DecodeWorkspace(cuda, heads, cache.headDim, quantizedSplits() + 1);
    partial = cuda.function("kivi_decode",
        "kivi_decode_partial_b" + cache.bits + "_d" + cache.headDim + "_g" + group);
    combine = cuda.function("kivi_decode", "kivi_decode_combine");
    cuda.allowDynamicShared(partial, sharedBytes());
  }

  private int quantizedSplits() {
    return DecodeWorkspace.splits(cache.quantized, splitLength);
  }

  private int sharedBytes() {
    return 4 * (heads / cache.kvHeads) * Math.max(splitLength, cache.residual);
  }

  public void decode(DeviceBuffer q, DeviceBuffer out) {
    if (cache.quantized + cache.residual == 0) throw new IllegalStateException("decode over an empty cache");
    int d = cache.headDim;
    float scaleLog2 = new AttentionShape(heads, cache.kvHeads, 1, d).scaleLog2();
    cuda.launch(partial, new int[] {cache.kvHeads, quantizedSplits() + 1}, DecodeWorkspace.THREADS, sharedBytes(), q,
        cache.keyCodes, cache.keyScale, cache.keyZero, cache.valueCodes, cache.valueScale, cache.valueZero,
        cache.keyResidual, cache.valueResidual, cache.quantized, Math.max(cache.quantized, KiviCacheData.KEY_GROUP),
        cache.residual, Math.max(cache.residual, 1), splitLength, workspace.maxSplits, scaleLog2, workspace.partO,
        workspace.partM, workspace.partL);
    cuda.launch(combine, new int[] {heads}, Math.min(d, 128), 0, workspace.partO, workspace.partM, workspace.partL,
        cache.quantized, cache.residual, splitLength, d, workspace.maxSplits, out);
  }

  /** Host-array convenience. */
  public short[] decode(short[] q) {
    try (DeviceBuffer dq = cuda.allocate(2L * q.length).upload(q);
        DeviceBuffer out = cuda.allocate(2L * q.length)) {
      out.poisonBf16();
      decode(dq, out);
      cuda.synchronize();
      return out.downloadShorts(q.length);
    }
  }

  @Override
  public void close() {
    workspace.close();
  }
}
