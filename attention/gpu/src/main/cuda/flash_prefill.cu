// Causal flash-attention prefill, dense or per-KV-head sparse (sink + sliding window), bf16 in / fp32 accumulate.
//
// Layouts (row-major, batch folded into heads):
//   q, out : [numHeads][len][D]      k, v : [numKvHeads][len][D]
//   query head h reads KV head h / (numHeads / numKvHeads)
//   sink[kvh], window[kvh] : key k is visible to query i when k <= i and (k < sink or i - k < window);
//                            window >= len (or sink >= len) gives dense causal attention.
//   workItems[blockIdx.x] = (head << 16) | queryTile : the host orders them heaviest first, so that heads with long
//                            windows start early and the short ones fill the tail (longest-processing-time first).
//
// One CTA = 4 warps = 64 query rows; each warp owns 16 rows. Key/value tiles of 64 rows stream through shared
// memory (cp.async, double buffered, S of the next tile computed during the softmax of this one);
// S = Q K^T and O += P V use mma.sync m16n8k16 (bf16, fp32 accumulate);
// the softmax is online (FlashAttention-2), in base 2 with log2(e) folded into the scale.
// Tiles outside the pattern are never visited; only tiles that straddle an edge of the pattern are masked.
#include "prefill_common.cuh"

namespace {

constexpr int BR = 64;        // query rows per CTA
constexpr int BC = 64;        // key rows per tile
constexpr int THREADS = 128;  // 4 warps

__device__ __forceinline__ uint32_t smem_addr(const void* p) {
  return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}

// Byte offset of 16-byte chunk `chunk` of row `row` in a [rows][D] bf16 tile. The chunk index is XOR-swizzled with
// the row so that ldmatrix reading 8 rows at one column hits 8 different bank groups.
template <int D>
__device__ __forceinline__ int tile_offset(int row, int chunk) {
  return row * (D * 2) + ((chunk ^ (row & 7)) << 4);
}

// Copies rows [row0, row0 + 64) of a [len][D] matrix into a swizzled tile; rows past len are zero-filled.
template <int D>
__device__ __forceinline__ void load_tile_async(char* tile, const __nv_bfloat16* src, int row0, int len) {
  constexpr int CHUNKS = D / 8;
  for (int i = threadIdx.x; i < BC * CHUNKS; i += THREADS) {
    const int row = i / CHUNKS, chunk = i % CHUNKS;
    const bool inside = row0 + row < len;
    const __nv_bfloat16* g = src + (size_t)(inside ? row0 + row : 0) * D + chunk * 8;
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(smem_addr(tile + tile_offset<D>(row, chunk))),
                 "l"(g), "r"(inside ? 16 : 0));
  }
}

__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }
template <int N>
__device__ __forceinline__ void cp_async_wait() { asm volatile("cp.async.wait_group %0;\n" ::"n"(N)); }

__device__ __forceinline__ void ldmatrix_x4(uint32_t* r, uint32_t addr) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(addr));
}
__device__ __forceinline__ void ldmatrix_x4_trans(uint32_t* r, uint32_t addr) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(addr));
}

// c += a(16x16, row) * b(16x8, col), bf16 operands, fp32 accumulators.
__device__ __forceinline__ void mma_bf16(float* c, const uint32_t* a, uint32_t b0, uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// s = Q K^T for this warp's 16 rows and the 64 keys of a K tile: 8 n-tiles of 8 keys.
template <int D>
__device__ __forceinline__ void score_tile(float (&s)[BC / 8][4], const uint32_t (&qFrag)[D / 16][4],
                                           const char* kt, int lane) {
#pragma unroll
  for (int i = 0; i < BC / 8; ++i) s[i][0] = s[i][1] = s[i][2] = s[i][3] = 0.f;
#pragma unroll
  for (int kc = 0; kc < D / 16; ++kc) {
#pragma unroll
    for (int np = 0; np < BC / 16; ++np) {
      uint32_t b[4];
      const int row = np * 16 + (lane & 7) + (lane >> 4) * 8;
      ldmatrix_x4(b, smem_addr(kt + tile_offset<D>(row, kc * 2 + ((lane >> 3) & 1))));
      mma_bf16(s[2 * np], qFrag[kc], b[0], b[1]);
      mma_bf16(s[2 * np + 1], qFrag[kc], b[2], b[3]);
    }
  }
}

template <int D>
__device__ void flash_prefill(const __nv_bfloat16* __restrict__ q, const __nv_bfloat16* __restrict__ k,
                              const __nv_bfloat16* __restrict__ v, __nv_bfloat16* __restrict__ out,
                              const int* __restrict__ sinks, const int* __restrict__ windows,
                              const int* __restrict__ workItems, int numHeads, int numKvHeads, int len,
                              float scaleLog2) {
  extern __shared__ __align__(128) char smem[];
  char* qTileMem = smem;                        // [BR][D]
  char* kTileMem = smem + BR * D * 2;           // 2 x [BC][D]
  char* vTileMem = kTileMem + 2 * BC * D * 2;   // 2 x [BC][D]

  const int item = workItems[blockIdx.x];
  const int head = item >> 16, qTile = item & 0xffff;
  const int kvHead = head / (numHeads / numKvHeads);
  const int sink = sinks[kvHead], window = windows[kvHead];
  const int q0 = qTile * BR;
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const int g = lane >> 2, t = lane & 3;  // mma fragment row group and column pair

  const __nv_bfloat16* qHead = q + (size_t)head * len * D;
  const __nv_bfloat16* kHead = k + (size_t)kvHead * len * D;
  const __nv_bfloat16* vHead = v + (size_t)kvHead * len * D;
  const TileRange tiles = tile_range<BR, BC>(qTile, sink, window);

  // Pipeline: iteration j computes S for tile j + 1 while it does the softmax and P V of tile j, so the tensor
  // cores have work during the softmax. K and V have two buffers each; the loads for V_{j+1} and K_{j+2} fly during
  // iteration j. (The S of a tile past the end is computed on a stale buffer and thrown away.)
  const int count = tiles.count;
  load_tile_async<D>(qTileMem, qHead, q0, len);
  load_tile_async<D>(kTileMem, kHead, tiles.tile(0) * BC, len);
  cp_async_commit();
  cp_async_wait<0>();
  __syncthreads();
  load_tile_async<D>(vTileMem, vHead, tiles.tile(0) * BC, len);
  if (count > 1) load_tile_async<D>(kTileMem + BC * D * 2, kHead, tiles.tile(1) * BC, len);
  cp_async_commit();

  // Q fragments for this warp's 16 rows stay in registers for the whole key loop.
  uint32_t qFrag[D / 16][4];
#pragma unroll
  for (int kc = 0; kc < D / 16; ++kc) {
    const int row = warp * 16 + (lane & 7) + ((lane >> 3) & 1) * 8;
    ldmatrix_x4(qFrag[kc], smem_addr(qTileMem + tile_offset<D>(row, kc * 2 + (lane >> 4))));
  }

  float o[D / 8][4];
#pragma unroll
  for (int i = 0; i < D / 8; ++i) o[i][0] = o[i][1] = o[i][2] = o[i][3] = 0.f;
  float rowMax[2] = {HR_NEG_INF, HR_NEG_INF}, rowSum[2] = {0.f, 0.f};
  const int rowQ[2] = {q0 + warp * 16 + g, q0 + warp * 16 + g + 8};

  float s[BC / 8][4];  // S of the current tile (raw dot products)
  score_tile<D>(s, qFrag, kTileMem, lane);

  for (int j = 0; j < count; ++j) {
    cp_async_wait<0>();  // V_j and K_{j+1} have landed
    __syncthreads();     // ... for every thread, and every warp is done with V_{j-1} and K_j
    if (j + 1 < count) load_tile_async<D>(vTileMem + ((j + 1) & 1) * BC * D * 2, vHead, tiles.tile(j + 1) * BC, len);
    if (j + 2 < count) load_tile_async<D>(kTileMem + (j & 1) * BC * D * 2, kHead, tiles.tile(j + 2) * BC, len);
    cp_async_commit();

    float sNext[BC / 8][4];
    score_tile<D>(sNext, qFrag, kTileMem + ((j + 1) & 1) * BC * D * 2, lane);

    // Mask only tiles that are not wholly inside the pattern (diagonal, window edge, sink edge, past len).
    const int k0 = tiles.tile(j) * BC;
    const bool inside = k0 + BC - 1 <= q0 && k0 + BC <= len &&
                        (k0 + BC - 1 < sink || (q0 + BR - 1) - k0 < window);
    if (!inside) {
#pragma unroll
      for (int nt = 0; nt < BC / 8; ++nt) {
#pragma unroll
        for (int e = 0; e < 4; ++e) {
          const int key = k0 + nt * 8 + t * 2 + (e & 1);
          const int qi = rowQ[e >> 1];
          if (key > qi || key >= len || (key >= sink && qi - key >= window)) s[nt][e] = HR_NEG_INF;
        }
      }
    }

    // Online softmax on raw scores (the max commutes with the positive scale): p = exp2(s * scale - m * scale).
    // Each thread holds 2 rows; the 4 threads of a quad share a row.
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      float m = rowMax[r];
#pragma unroll
      for (int nt = 0; nt < BC / 8; ++nt) m = fmaxf(m, fmaxf(s[nt][2 * r], s[nt][2 * r + 1]));
      m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, 1));
      m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, 2));
      const float base = m == HR_NEG_INF ? 0.f : m * scaleLog2;  // a row with nothing visible yet stays at zero
      const float rescale = fast_exp2(rowMax[r] == HR_NEG_INF ? HR_NEG_INF : rowMax[r] * scaleLog2 - base);
      float sum = 0.f;
#pragma unroll
      for (int nt = 0; nt < BC / 8; ++nt) {
        s[nt][2 * r] = fast_exp2(fmaf(s[nt][2 * r], scaleLog2, -base));
        s[nt][2 * r + 1] = fast_exp2(fmaf(s[nt][2 * r + 1], scaleLog2, -base));
        sum += s[nt][2 * r] + s[nt][2 * r + 1];
      }
      rowSum[r] = rowSum[r] * rescale + sum;  // quad-partial; reduced once at the end
      rowMax[r] = m;
#pragma unroll
      for (int dn = 0; dn < D / 8; ++dn) {
        o[dn][2 * r] *= rescale;
        o[dn][2 * r + 1] *= rescale;
      }
    }

    // O += P V: P's accumulator layout is the A-fragment layout, so it goes to bf16 without shared memory.
    const char* vt = vTileMem + (j & 1) * BC * D * 2;
#pragma unroll
    for (int kk = 0; kk < BC / 16; ++kk) {
      uint32_t p[4];
      p[0] = pack_bf16x2(s[2 * kk][0], s[2 * kk][1]);
      p[1] = pack_bf16x2(s[2 * kk][2], s[2 * kk][3]);
      p[2] = pack_bf16x2(s[2 * kk + 1][0], s[2 * kk + 1][1]);
      p[3] = pack_bf16x2(s[2 * kk + 1][2], s[2 * kk + 1][3]);
#pragma unroll
      for (int dp = 0; dp < D / 16; ++dp) {
        uint32_t b[4];
        const int row = kk * 16 + (lane & 7) + ((lane >> 3) & 1) * 8;
        ldmatrix_x4_trans(b, smem_addr(vt + tile_offset<D>(row, dp * 2 + (lane >> 4))));
        mma_bf16(o[2 * dp], p, b[0], b[1]);
        mma_bf16(o[2 * dp + 1], p, b[2], b[3]);
      }
    }
#pragma unroll
    for (int nt = 0; nt < BC / 8; ++nt)
#pragma unroll
      for (int e = 0; e < 4; ++e) s[nt][e] = sNext[nt][e];
  }

#pragma unroll
  for (int r = 0; r < 2; ++r) {
    float l = rowSum[r];
    l += __shfl_xor_sync(0xffffffffu, l, 1);
    l += __shfl_xor_sync(0xffffffffu, l, 2);
    const float inv = l > 0.f ? 1.f / l : 0.f;
    if (rowQ[r] < len) {
      __nv_bfloat16* dst = out + ((size_t)head * len + rowQ[r]) * D + t * 2;
#pragma unroll
      for (int dn = 0; dn < D / 8; ++dn)
        *reinterpret_cast<uint32_t*>(dst + dn * 8) = pack_bf16x2(o[dn][2 * r] * inv, o[dn][2 * r + 1] * inv);
    }
  }
}

}  // namespace

#define HR_FLASH_PREFILL(D)                                                                                       \
  extern "C" __global__ void __launch_bounds__(THREADS, 2) flash_prefill_d##D(                                    \
      const __nv_bfloat16* q, const __nv_bfloat16* k, const __nv_bfloat16* v, __nv_bfloat16* out,                 \
      const int* sinks, const int* windows, const int* workItems, int numHeads, int numKvHeads, int len,           \
      float scaleLog2) {                                                                                          \
    flash_prefill<D>(q, k, v, out, sinks, windows, workItems, numHeads, numKvHeads, len, scaleLog2);              \
  }

HR_FLASH_PREFILL(64)
HR_FLASH_PREFILL(128)
