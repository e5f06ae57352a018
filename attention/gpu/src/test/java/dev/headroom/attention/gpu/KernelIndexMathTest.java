package dev.headroom.attention.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The host-side mirrors of the kernels' index math (tile ranges, work order, ring slots, splits), on the CPU. */
class KernelIndexMathTest {
  @Test
  void prefillVisitsExactlyTheTilesWithVisiblePairs() {
    Random r = new Random(1);
    for (int trial = 0; trial < 300; trial++) {
      int sink = r.nextInt(4) == 0 ? 0 : r.nextInt(200);
      int window = r.nextInt(5) == 0 ? SparsePlan.FULL : 1 + r.nextInt(700);
      SparsePlan plan = SparsePlan.of(new int[] {sink}, new int[] {window});
      int kernelWindow = plan.kernelWindows()[0];
      int qTile = r.nextInt(40);
      int rows = r.nextBoolean() ? 64 : 192; // the mma.sync and the wgmma kernels
      int[] range = FlashPrefillKernel.keyTileRange(qTile, rows, sink, kernelWindow);
      Set<Integer> visited = new HashSet<>();
      for (int j = 0; j < range[0]; j++) assertTrue(visited.add(j));
      for (int j = range[1]; j <= range[2]; j++) assertTrue(visited.add(j), "tile visited twice");
      Set<Integer> needed = new HashSet<>();
      for (int i = qTile * rows; i < qTile * rows + rows; i++)
        for (int k = 0; k <= i; k++) if (plan.visible(0, i, k)) needed.add(k / 64);
      assertEquals(needed, visited, "sink " + sink + " window " + window + " tile " + qTile + " rows " + rows);
      assertEquals(visited.size(), FlashPrefillKernel.keyTileCount(qTile, rows, sink, kernelWindow));
    }
  }

  @Test
  void workOrderIsAPermutationHeaviestFirst() {
    AttentionShape shape = new AttentionShape(8, 4, 1000, 128);
    SparsePlan plan = SparsePlan.of(new int[] {64, 64, 0, 0}, new int[] {128, 512, SparsePlan.FULL, 64});
    int[] order = FlashPrefillKernel.workOrder(shape, plan, 64);
    int tiles = (1000 + 63) / 64;
    assertEquals(8 * tiles, order.length);
    Set<Integer> seen = new HashSet<>();
    int previous = Integer.MAX_VALUE;
    for (int item : order) {
      assertTrue(seen.add(item));
      int head = item >> 16, tile = item & 0xffff;
      assertTrue(head < 8 && tile < tiles);
      int kvHead = head / 2;
      int work = FlashPrefillKernel.keyTileCount(tile, 64, plan.sink(kvHead), plan.kernelWindows()[kvHead]);
      assertTrue(work <= previous, "not sorted by work");
      previous = work;
    }
  }

  @Test
  void ringBufferHoldsSinkAndLatestWindow() {
    int sink = 3, window = 5;
    Integer[] slots = new Integer[sink + window];
    for (int t = 0; t < 40; t++) {
      int slot = CompressedKvCache.slotOf(t, sink, window);
      assertTrue(slot < sink + window);
      slots[slot] = t;
      int valid = CompressedKvCache.validSlots(t + 1, sink, window);
      Set<Integer> held = new HashSet<>();
      for (int s = 0; s < valid; s++) held.add(slots[s]);
      SparsePlan plan = SparsePlan.of(new int[] {sink}, new int[] {window});
      Set<Integer> visible = new HashSet<>();
      for (int k = 0; k <= t; k++) if (plan.visible(0, t, k)) visible.add(k);
      assertEquals(visible, held, "after token " + t);
    }
    assertEquals(7, CompressedKvCache.slotOf(7, 0, SparsePlan.FULL));
  }

  @Test
  void splitLengthsStayInBounds() {
    for (long keys : new long[] {1, 100, 5000, 32768, 131072, 1 << 20}) {
      int s = DecodeWorkspace.splitLength(keys, 8, 132);
      assertTrue(s >= DecodeWorkspace.MIN_SPLIT && s <= DecodeWorkspace.MAX_SPLIT && s % 128 == 0, "" + s);
      assertTrue((long) DecodeWorkspace.splits(keys, s) * s >= keys);
    }
    assertEquals(1024, DecodeWorkspace.splitLength(131072, 8, 132));
    assertEquals(512, DecodeWorkspace.splitLength(32768, 8, 132));
  }

  @Test
  void visibleKeysCountsThePattern() {
    SparsePlan plan = SparsePlan.of(new int[] {4, 0, 10}, new int[] {7, SparsePlan.FULL, 3});
    for (int h = 0; h < 3; h++) {
      for (int i = 0; i < 50; i++) {
        int count = 0;
        for (int k = 0; k <= i; k++) if (plan.visible(h, i, k)) count++;
        assertEquals(count, plan.visibleKeys(h, i), "head " + h + " query " + i);
      }
    }
    assertEquals(1.0, SparsePlan.dense(2).causalDensity(100), 1e-12);
  }

  @Test
  void bf16RoundsToNearestEven() {
    assertEquals(1.0f, Bf16.toFloat(Bf16.fromFloat(1.0f)));
    assertEquals(1.0078125f, Bf16.toFloat(Bf16.fromFloat(1.0078125f)));
    assertEquals(1.0f, Bf16.toFloat(Bf16.fromFloat(1.00390625f))); // tie goes to even
    assertTrue(Float.isNaN(Bf16.toFloat(Bf16.NAN)));
    assertTrue(Float.isNaN(Bf16.toFloat(Bf16.fromFloat(Float.NaN))));
  }
}
