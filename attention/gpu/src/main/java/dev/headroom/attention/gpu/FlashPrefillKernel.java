package dev.headroom.attention.gpu;

import java.util.Arrays;
import jcuda.driver.CUfunction;

/**
 * Causal flash-attention prefill on the GPU, dense or with a per-KV-head {@link SparsePlan} (flash_prefill.cu).
 * Tiles outside a head's pattern are skipped; the CTAs are ordered heaviest first so heads with long windows do
 * not leave the GPU half idle at the end.
 *
 * <p>Use {@link #prepare} once per (shape, plan), then {@link Launch#run} on device buffers; {@link #run} takes host
 * arrays for tests and small calls. Inputs and output are bf16: q, out [heads][length][headDim], k, v
 * [kvHeads][length][headDim].
 */
public final class FlashPrefillKernel {
  /** Query rows per CTA and key rows per tile, as in the kernel. */
  static final int QUERY_TILE = 64;
  static final int KEY_TILE = 64;
  private static final int THREADS = 128;

  private final CudaContext cuda;

  public FlashPrefillKernel(CudaContext cuda) {
    this.cuda = cuda;
  }

  /** Uploads the plan and the CTA order for one shape. */
  public Launch prepare(AttentionShape shape, SparsePlan plan) {
    if (plan.kvHeads() != shape.kvHeads()) {
      throw new IllegalArgumentException("plan has " + plan.kvHeads() + " KV heads, shape " + shape.kvHeads());
    }
    if ((shape.length() + QUERY_TILE - 1) / QUERY_TILE > 0xffff) {
      throw new IllegalArgumentException("sequence too long for the work encoding: " + shape.length());
    }
    return new Launch(shape, plan);
  }

  /** Host-array convenience: uploads, runs, downloads. */
  public short[] run(short[] q, short[] k, short[] v, AttentionShape shape, SparsePlan plan) {
    try (Launch launch = prepare(shape, plan);
        DeviceBuffer dq = cuda.allocate(2L * shape.queryElements()).upload(q);
        DeviceBuffer dk = cuda.allocate(2L * shape.kvElements()).upload(k);
        DeviceBuffer dv = cuda.allocate(2L * shape.kvElements()).upload(v);
        DeviceBuffer out = cuda.allocate(2L * shape.queryElements())) {
      out.poisonBf16();
      launch.run(dq, dk, dv, out);
      cuda.synchronize();
      return out.downloadShorts(Math.toIntExact(shape.queryElements()));
    }
  }

  /** A prepared launch: the plan and the work order live on the device until closed. */
  public final class Launch implements AutoCloseable {
    private final AttentionShape shape;
    private final DeviceBuffer sinks, windows, workItems;
    private final int items;
    private final CUfunction function;
    private final int sharedBytes;

    private Launch(AttentionShape shape, SparsePlan plan) {
      this.shape = shape;
      int[] order = workOrder(shape, plan);
      items = order.length;
      sinks = cuda.allocate(4L * plan.kvHeads()).upload(plan.sinks());
      windows = cuda.allocate(4L * plan.kvHeads()).upload(plan.kernelWindows());
      workItems = cuda.allocate(4L * items).upload(order);
      function = cuda.function("flash_prefill", "flash_prefill_d" + shape.headDim());
      sharedBytes = (QUERY_TILE + 4 * KEY_TILE) * shape.headDim() * 2; // Q tile + double-buffered K and V tiles
      cuda.allowDynamicShared(function, sharedBytes);
    }

    public void run(DeviceBuffer q, DeviceBuffer k, DeviceBuffer v, DeviceBuffer out) {
      cuda.launch(function, new int[] {items}, THREADS, sharedBytes, q, k, v, out, sinks, windows, workItems,
          shape.heads(), shape.kvHeads(), shape.length(), shape.scaleLog2());
    }

    @Override
    public void close() {
      sinks.close();
      windows.close();
      workItems.close();
    }
  }

  /**
   * The CTA order: one item (head << 16 | query tile) per CTA, sorted by the number of key tiles it visits,
   * most first (longest processing time first), so the last wave is made of short items.
   */
  static int[] workOrder(AttentionShape shape, SparsePlan plan) {
    int tiles = (shape.length() + QUERY_TILE - 1) / QUERY_TILE;
    int[] kernelWindows = plan.kernelWindows();
    long[] keyed = new long[shape.heads() * tiles];
    int n = 0;
    for (int head = 0; head < shape.heads(); head++) {
      int kvHead = head / shape.group();
      for (int t = 0; t < tiles; t++) {
        int work = keyTileCount(t, plan.sink(kvHead), kernelWindows[kvHead]);
        keyed[n++] = ((long) (Integer.MAX_VALUE - work) << 32) | ((long) head << 16) | t;
      }
    }
    Arrays.sort(keyed);
    int[] order = new int[n];
    for (int i = 0; i < n; i++) order[i] = (int) keyed[i];
    return order;
  }

  /** Key tiles visited by a query tile; mirrors tile_range() in flash_prefill.cu (window: kernel form). */
  static int keyTileCount(int queryTile, int sink, int window) {
    int[] r = keyTileRange(queryTile, sink, window);
    return r[0] + (r[2] - r[1] + 1);
  }

  /** {sink tiles, first window tile, diagonal tile}: tiles [0, sinkTiles) and [windowLo, diag]. */
  static int[] keyTileRange(int queryTile, int sink, int window) {
    long q0 = (long) queryTile * QUERY_TILE;
    int diag = (int) ((q0 + QUERY_TILE - 1) / KEY_TILE);
    long firstKey = q0 - window + 1;
    int lo = firstKey < 0 ? 0 : (int) (firstKey / KEY_TILE);
    int sinkTiles = Math.min((sink + KEY_TILE - 1) / KEY_TILE, lo);
    return new int[] {sinkTiles, lo, diag};
  }
}
