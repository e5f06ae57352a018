// Shared by the two prefill kernels (flash_prefill.cu, flash_prefill_sm90a.cu).
#pragma once
#include "common.cuh"

__device__ __forceinline__ float fast_exp2(float x) {  // exp2(-inf) = 0
  float y;
  asm("ex2.approx.ftz.f32 %0, %1;\n" : "=f"(y) : "f"(x));
  return y;
}

// Which key tiles a query tile visits: the sink tiles [0, sinkTiles) and the window tiles [windowLo, diag].
// Mirrored on the host by FlashPrefillKernel.keyTileRange (tested there).
struct TileRange {
  int sinkTiles, windowLo, count;
  __device__ __forceinline__ int tile(int j) const { return j < sinkTiles ? j : windowLo + (j - sinkTiles); }
};

// BR query rows per tile, BC keys per tile.
template <int BR, int BC>
__device__ __forceinline__ TileRange tile_range(int qTile, int sink, int window) {
  const int q0 = qTile * BR;
  const int diag = (q0 + BR - 1) / BC;
  int lo = q0 - window + 1;  // first key the first query row can see through the window
  lo = lo < 0 ? 0 : lo / BC;
  int sinkTiles = (sink + BC - 1) / BC;
  if (sinkTiles > lo) sinkTiles = lo;  // sink and window tiles overlap: one contiguous run from tile 0
  TileRange r;
  r.sinkTiles = sinkTiles;
  r.windowLo = lo;
  r.count = sinkTiles + (diag - lo + 1);
  return r;
}
