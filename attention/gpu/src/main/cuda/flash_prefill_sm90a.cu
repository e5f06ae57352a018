// Causal flash-attention prefill on Hopper tensor cores (wgmma, sm_90a): same contract as flash_prefill.cu, which
// stays as the portable version. Dense or per-KV-head sparse (sink + sliding window), bf16 in / fp32 accumulate.
//
// Layouts, plan and work items: see flash_prefill.cu.
//
// One CTA = WARPGROUPS warpgroups of 4 warps, each owning 64 query rows and sharing the K/V tiles (fewer K/V bytes
// per FLOP, more warps per SM). Per warpgroup, S = Q K^T is one wgmma m64n64k16 per 16 channels, Q and K read
// from shared memory; O += P V is one wgmma m64nDk16 per 16 keys, P from registers (the accumulator layout of S is
// the register-A layout), V from shared memory read N-major (transposed). The softmax of tile j + 1 runs while the
// tensor cores accumulate P_j V_j. K/V tiles stream in with cp.async, double buffered.
//
// Shared-memory tiles use the 128-byte swizzle that wgmma descriptors name: a tile of ROWS x D bf16 is stored as
// D / 64 column blocks of ROWS rows x 128 bytes; 16-byte chunk c of row r sits at chunk c ^ (r % 8); each block
// starts on a 1024-byte boundary.
#include "prefill_common.cuh"

namespace {

constexpr int WARPGROUPS = 3;
constexpr int BR = 64 * WARPGROUPS;  // query rows per CTA
constexpr int BC = 64;               // key rows per tile
constexpr int THREADS = 128 * WARPGROUPS;
constexpr int KV_BLOCK = BC * 128;   // bytes of one 64-column block of a K/V tile

__device__ __forceinline__ uint32_t smem_addr(const void* p) {
  return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}

// Byte offset of 16-byte chunk `chunk` (8 bf16) of row `row` in a swizzled [ROWS][D] tile.
template <int ROWS>
__device__ __forceinline__ int tile_offset(int row, int chunk) {
  return (chunk >> 3) * (ROWS * 128) + row * 128 + (((chunk & 7) ^ (row & 7)) << 4);
}

// Copies rows [row0, row0 + ROWS) of a [len][D] matrix into a swizzled tile; rows past len are zero-filled.
template <int D, int ROWS>
__device__ __forceinline__ void load_tile_async(char* tile, const __nv_bfloat16* src, int row0, int len) {
  constexpr int CHUNKS = D / 8;
  for (int i = threadIdx.x; i < ROWS * CHUNKS; i += THREADS) {
    const int row = i / CHUNKS, chunk = i % CHUNKS;
    const bool inside = row0 + row < len;
    const __nv_bfloat16* g = src + (size_t)(inside ? row0 + row : 0) * D + chunk * 8;
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(
                     smem_addr(tile + tile_offset<ROWS>(row, chunk))),
                 "l"(g), "r"(inside ? 16 : 0));
  }
}

__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }
__device__ __forceinline__ void cp_async_wait_all() { asm volatile("cp.async.wait_group 0;\n" ::); }
// cp.async writes are generic-proxy writes; wgmma reads through the async proxy.
__device__ __forceinline__ void fence_proxy_async() { asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory"); }

// wgmma shared-memory descriptor, 128-byte swizzle: start address, leading and stride byte offsets (16-byte units).
__device__ __forceinline__ uint64_t smem_desc(const void* p, uint32_t leadingBytes, uint32_t strideBytes) {
  return (uint64_t)((smem_addr(p) & 0x3ffff) >> 4) | ((uint64_t)(leadingBytes >> 4) << 16) |
         ((uint64_t)(strideBytes >> 4) << 32) | (1ull << 62);
}
// K-major operand (Q as A, K as B) in a tile whose 64-column blocks are `block` bytes apart, 16 channels from
// channel 16 * kc: 8-row groups are 1024 bytes apart.
__device__ __forceinline__ uint64_t k_major_desc(const char* tile, int block, int kc) {
  return smem_desc(tile + (kc >> 2) * block + (kc & 3) * 32, 16, 1024);
}
// N-major operand (V as B, transposed), keys [16 kk, 16 kk + 16): 8-key groups are 1024 bytes apart, 64-channel
// blocks KV_BLOCK apart.
__device__ __forceinline__ uint64_t n_major_desc(const char* tile, int kk) {
  return smem_desc(tile + kk * 16 * 128, KV_BLOCK, 1024);
}

__device__ __forceinline__ void wgmma_fence() { asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory"); }
__device__ __forceinline__ void wgmma_commit() { asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory"); }
template <int N>
__device__ __forceinline__ void wgmma_wait() {
  asm volatile("wgmma.wait_group.sync.aligned %0;\n" ::"n"(N) : "memory");
}
// Keeps the compiler from touching accumulator registers across an asynchronous wgmma.
template <int ROWS>
__device__ __forceinline__ void fence_registers(float (&d)[ROWS][4]) {
#pragma unroll
  for (int i = 0; i < ROWS; ++i)
#pragma unroll
    for (int e = 0; e < 4; ++e) asm volatile("" : "+f"(d[i][e])::"memory");
}

// d[8][4] (+)= A(64x16, smem, K-major) * B(16x64, smem, K-major): m64n64k16, bf16 in, fp32 accumulate.
__device__ __forceinline__ void wgmma_m64n64k16_ss(float (&d)[8][4], uint64_t descA, uint64_t descB, int accumulate) {
  asm volatile(
      "{\n.reg .pred p;\nsetp.ne.b32 p, %34, 0;\n"
      "wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 {%0,%1,%2,%3,%4,%5,%6,%7,%8,%9,%10,%11,%12,%13,%14,%15,%16,%17,%18,%19,%20,%21,%22,%23,%24,%25,%26,%27,%28,%29,%30,%31}, %32, %33, p, 1, 1, 0, 0;\n}\n"
      : "+f"(d[0][0]), "+f"(d[0][1]), "+f"(d[0][2]), "+f"(d[0][3]), "+f"(d[1][0]), "+f"(d[1][1]), "+f"(d[1][2]), "+f"(d[1][3]), "+f"(d[2][0]), "+f"(d[2][1]), "+f"(d[2][2]), "+f"(d[2][3]), "+f"(d[3][0]), "+f"(d[3][1]), "+f"(d[3][2]), "+f"(d[3][3]), "+f"(d[4][0]), "+f"(d[4][1]), "+f"(d[4][2]), "+f"(d[4][3]), "+f"(d[5][0]), "+f"(d[5][1]), "+f"(d[5][2]), "+f"(d[5][3]), "+f"(d[6][0]), "+f"(d[6][1]), "+f"(d[6][2]), "+f"(d[6][3]), "+f"(d[7][0]), "+f"(d[7][1]), "+f"(d[7][2]), "+f"(d[7][3])
      : "l"(descA), "l"(descB), "r"(accumulate));
}

// d[8][4] += A(64x16, registers) * B(16x64, smem, N-major, transposed): m64n64k16.
__device__ __forceinline__ void wgmma_m64n64k16_rs(float (&d)[8][4], const uint32_t (&a)[4], uint64_t descB) {
  asm volatile(
      "{\n.reg .pred p;\nsetp.ne.b32 p, 1, 0;\n"
      "wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 {%0,%1,%2,%3,%4,%5,%6,%7,%8,%9,%10,%11,%12,%13,%14,%15,%16,%17,%18,%19,%20,%21,%22,%23,%24,%25,%26,%27,%28,%29,%30,%31}, {%32,%33,%34,%35}, %36, p, 1, 1, 1;\n}\n"
      : "+f"(d[0][0]), "+f"(d[0][1]), "+f"(d[0][2]), "+f"(d[0][3]), "+f"(d[1][0]), "+f"(d[1][1]), "+f"(d[1][2]), "+f"(d[1][3]), "+f"(d[2][0]), "+f"(d[2][1]), "+f"(d[2][2]), "+f"(d[2][3]), "+f"(d[3][0]), "+f"(d[3][1]), "+f"(d[3][2]), "+f"(d[3][3]), "+f"(d[4][0]), "+f"(d[4][1]), "+f"(d[4][2]), "+f"(d[4][3]), "+f"(d[5][0]), "+f"(d[5][1]), "+f"(d[5][2]), "+f"(d[5][3]), "+f"(d[6][0]), "+f"(d[6][1]), "+f"(d[6][2]), "+f"(d[6][3]), "+f"(d[7][0]), "+f"(d[7][1]), "+f"(d[7][2]), "+f"(d[7][3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(descB));
}

// d[16][4] += A(64x16, registers) * B(16x128, smem, N-major, transposed): m64n128k16.
__device__ __forceinline__ void wgmma_m64n128k16_rs(float (&d)[16][4], const uint32_t (&a)[4], uint64_t descB) {
  asm volatile(
      "{\n.reg .pred p;\nsetp.ne.b32 p, 1, 0;\n"
      "wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16 {%0,%1,%2,%3,%4,%5,%6,%7,%8,%9,%10,%11,%12,%13,%14,%15,%16,%17,%18,%19,%20,%21,%22,%23,%24,%25,%26,%27,%28,%29,%30,%31,%32,%33,%34,%35,%36,%37,%38,%39,%40,%41,%42,%43,%44,%45,%46,%47,%48,%49,%50,%51,%52,%53,%54,%55,%56,%57,%58,%59,%60,%61,%62,%63}, {%64,%65,%66,%67}, %68, p, 1, 1, 1;\n}\n"
      : "+f"(d[0][0]), "+f"(d[0][1]), "+f"(d[0][2]), "+f"(d[0][3]), "+f"(d[1][0]), "+f"(d[1][1]), "+f"(d[1][2]), "+f"(d[1][3]), "+f"(d[2][0]), "+f"(d[2][1]), "+f"(d[2][2]), "+f"(d[2][3]), "+f"(d[3][0]), "+f"(d[3][1]), "+f"(d[3][2]), "+f"(d[3][3]), "+f"(d[4][0]), "+f"(d[4][1]), "+f"(d[4][2]), "+f"(d[4][3]), "+f"(d[5][0]), "+f"(d[5][1]), "+f"(d[5][2]), "+f"(d[5][3]), "+f"(d[6][0]), "+f"(d[6][1]), "+f"(d[6][2]), "+f"(d[6][3]), "+f"(d[7][0]), "+f"(d[7][1]), "+f"(d[7][2]), "+f"(d[7][3]), "+f"(d[8][0]), "+f"(d[8][1]), "+f"(d[8][2]), "+f"(d[8][3]), "+f"(d[9][0]), "+f"(d[9][1]), "+f"(d[9][2]), "+f"(d[9][3]), "+f"(d[10][0]), "+f"(d[10][1]), "+f"(d[10][2]), "+f"(d[10][3]), "+f"(d[11][0]), "+f"(d[11][1]), "+f"(d[11][2]), "+f"(d[11][3]), "+f"(d[12][0]), "+f"(d[12][1]), "+f"(d[12][2]), "+f"(d[12][3]), "+f"(d[13][0]), "+f"(d[13][1]), "+f"(d[13][2]), "+f"(d[13][3]), "+f"(d[14][0]), "+f"(d[14][1]), "+f"(d[14][2]), "+f"(d[14][3]), "+f"(d[15][0]), "+f"(d[15][1]), "+f"(d[15][2]), "+f"(d[15][3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(descB));
}


// qRows: this warpgroup's 64 rows inside the [BR][D] Q tile.
template <int D>
__device__ __forceinline__ void score_tile_async(float (&s)[BC / 8][4], const char* qRows, const char* kTile) {
#pragma unroll
  for (int kc = 0; kc < D / 16; ++kc)
    wgmma_m64n64k16_ss(s, k_major_desc(qRows, BR * 128, kc), k_major_desc(kTile, KV_BLOCK, kc), kc > 0);
}

__device__ __forceinline__ void pv_async(float (&o)[8][4], const uint32_t (&p)[BC / 16][4], const char* vTile) {
#pragma unroll
  for (int kk = 0; kk < BC / 16; ++kk) wgmma_m64n64k16_rs(o, p[kk], n_major_desc(vTile, kk));
}
__device__ __forceinline__ void pv_async(float (&o)[16][4], const uint32_t (&p)[BC / 16][4], const char* vTile) {
#pragma unroll
  for (int kk = 0; kk < BC / 16; ++kk) wgmma_m64n128k16_rs(o, p[kk], n_major_desc(vTile, kk));
}

template <int D>
__device__ void flash_prefill(const __nv_bfloat16* __restrict__ q, const __nv_bfloat16* __restrict__ k,
                              const __nv_bfloat16* __restrict__ v, __nv_bfloat16* __restrict__ out,
                              const int* __restrict__ sinks, const int* __restrict__ windows,
                              const int* __restrict__ workItems, int numHeads, int numKvHeads, int len,
                              float scaleLog2) {
  extern __shared__ char smemRaw[];
  constexpr int TILE = BC * D * 2;
  char* smem = smemRaw + ((1024 - (smem_addr(smemRaw) & 1023)) & 1023);  // descriptors want 1024-byte blocks
  char* qTileMem = smem;                    // [BR][D]
  char* kTileMem = smem + BR * D * 2;       // 2 x [BC][D]
  char* vTileMem = kTileMem + 2 * TILE;

  const int item = workItems[blockIdx.x];
  const int head = item >> 16, qTile = item & 0xffff;
  const int kvHead = head / (numHeads / numKvHeads);
  const int sink = sinks[kvHead], window = windows[kvHead];
  const int q0 = qTile * BR;
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const int wg = warp >> 2;              // warpgroup: query rows [64 wg, 64 wg + 64) of the tile
  const char* qRows = qTileMem + wg * 64 * 128;
  const int g = lane >> 2, t = lane & 3;  // accumulator row group and column pair within the warp's 16 rows

  const __nv_bfloat16* qHead = q + (size_t)head * len * D;
  const __nv_bfloat16* kHead = k + (size_t)kvHead * len * D;
  const __nv_bfloat16* vHead = v + (size_t)kvHead * len * D;
  const TileRange tiles = tile_range<BR, BC>(qTile, sink, window);
  const int count = tiles.count;

  load_tile_async<D, BR>(qTileMem, qHead, q0, len);
  load_tile_async<D, BC>(kTileMem, kHead, tiles.tile(0) * BC, len);
  cp_async_commit();
  cp_async_wait_all();
  fence_proxy_async();
  __syncthreads();
  load_tile_async<D, BC>(vTileMem, vHead, tiles.tile(0) * BC, len);
  if (count > 1) load_tile_async<D, BC>(kTileMem + TILE, kHead, tiles.tile(1) * BC, len);
  cp_async_commit();

  float o[D / 8][4];
#pragma unroll
  for (int i = 0; i < D / 8; ++i) o[i][0] = o[i][1] = o[i][2] = o[i][3] = 0.f;
  float rowMax[2] = {HR_NEG_INF, HR_NEG_INF}, rowSum[2] = {0.f, 0.f};
  const int rowQ[2] = {q0 + warp * 16 + g, q0 + warp * 16 + g + 8};  // warp = 4 wg + warp in group

  // Softmax of one tile: masks it, moves the running max, turns s into P (bf16 A fragments) and returns the factor
  // by which O and the row sums computed so far must be scaled. O itself is not touched here, so this can run
  // while the tensor cores still accumulate the previous tile into O.
  auto softmax_tile = [&](float (&sc)[BC / 8][4], int tileIndex, uint32_t (&p)[BC / 16][4], float (&factor)[2]) {
    const int k0 = tiles.tile(tileIndex) * BC;
    const bool inside = k0 + BC - 1 <= q0 && k0 + BC <= len &&
                        (k0 + BC - 1 < sink || (q0 + BR - 1) - k0 < window);
    if (!inside) {
#pragma unroll
      for (int nt = 0; nt < BC / 8; ++nt) {
#pragma unroll
        for (int e = 0; e < 4; ++e) {
          const int key = k0 + nt * 8 + t * 2 + (e & 1);
          const int qi = rowQ[e >> 1];
          if (key > qi || key >= len || (key >= sink && qi - key >= window)) sc[nt][e] = HR_NEG_INF;
        }
      }
    }
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      float m = rowMax[r];
#pragma unroll
      for (int nt = 0; nt < BC / 8; ++nt) m = fmaxf(m, fmaxf(sc[nt][2 * r], sc[nt][2 * r + 1]));
      m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, 1));
      m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, 2));
      const float base = m == HR_NEG_INF ? 0.f : m * scaleLog2;  // a row with nothing visible yet stays at zero
      factor[r] = fast_exp2(rowMax[r] == HR_NEG_INF ? HR_NEG_INF : rowMax[r] * scaleLog2 - base);
      float sum = 0.f;
#pragma unroll
      for (int nt = 0; nt < BC / 8; ++nt) {
        sc[nt][2 * r] = fast_exp2(fmaf(sc[nt][2 * r], scaleLog2, -base));
        sc[nt][2 * r + 1] = fast_exp2(fmaf(sc[nt][2 * r + 1], scaleLog2, -base));
        sum += sc[nt][2 * r] + sc[nt][2 * r + 1];
      }
      rowSum[r] = rowSum[r] * factor[r] + sum;  // quad-partial; reduced once at the end
      rowMax[r] = m;
    }
#pragma unroll
    for (int kk = 0; kk < BC / 16; ++kk) {
      p[kk][0] = pack_bf16x2(sc[2 * kk][0], sc[2 * kk][1]);
      p[kk][1] = pack_bf16x2(sc[2 * kk][2], sc[2 * kk][3]);
      p[kk][2] = pack_bf16x2(sc[2 * kk + 1][0], sc[2 * kk + 1][1]);
      p[kk][3] = pack_bf16x2(sc[2 * kk + 1][2], sc[2 * kk + 1][3]);
    }
  };

  // Pipeline (FlashAttention-3 style, inside one warpgroup): iteration j issues S_{j+1} = Q K_{j+1}^T and
  // O += P_j V_j back to back; the softmax of tile j + 1 runs while the tensor cores do O += P_j V_j; then O is
  // scaled by the factor the softmax produced. (S past the last tile reads a stale buffer and is dropped.)
  float s[BC / 8][4];
  uint32_t p[BC / 16][4], pNext[BC / 16][4];
  float factor[2];
  wgmma_fence();
  score_tile_async<D>(s, qRows, kTileMem);
  wgmma_commit();
  wgmma_wait<0>();
  fence_registers(s);
  softmax_tile(s, 0, p, factor);

  for (int j = 0; j < count; ++j) {
    cp_async_wait_all();  // V_j and K_{j+1} have landed
    fence_proxy_async();
    __syncthreads();      // ... for every thread; every warp is done with V_{j-1} and K_j
    if (j + 1 < count)
      load_tile_async<D, BC>(vTileMem + ((j + 1) & 1) * TILE, vHead, tiles.tile(j + 1) * BC, len);
    if (j + 2 < count) load_tile_async<D, BC>(kTileMem + (j & 1) * TILE, kHead, tiles.tile(j + 2) * BC, len);
    cp_async_commit();

    wgmma_fence();
    score_tile_async<D>(s, qRows, kTileMem + ((j + 1) & 1) * TILE);
    wgmma_commit();
    pv_async(o, p, vTileMem + (j & 1) * TILE);
    wgmma_commit();
    wgmma_wait<1>();  // S_{j+1} is done; O += P_j V_j may still run
    fence_registers(s);
    if (j + 1 < count) softmax_tile(s, j + 1, pNext, factor);
    wgmma_wait<0>();
    fence_registers(o);
    if (j + 1 < count) {
      if (__any_sync(0xffffffffu, factor[0] != 1.f || factor[1] != 1.f)) {  // mostly no row max moved
#pragma unroll
        for (int dn = 0; dn < D / 8; ++dn) {
          o[dn][0] *= factor[0];
          o[dn][1] *= factor[0];
          o[dn][2] *= factor[1];
          o[dn][3] *= factor[1];
        }
      }
#pragma unroll
      for (int kk = 0; kk < BC / 16; ++kk)
#pragma unroll
        for (int e = 0; e < 4; ++e) p[kk][e] = pNext[kk][e];
    }
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

#define HR_FLASH_PREFILL_WGMMA(D)                                                                                 \
  extern "C" __global__ void __launch_bounds__(THREADS, 1) flash_prefill_wgmma_d##D(                              \
      const __nv_bfloat16* q, const __nv_bfloat16* k, const __nv_bfloat16* v, __nv_bfloat16* out,                 \
      const int* sinks, const int* windows, const int* workItems, int numHeads, int numKvHeads, int len,           \
      float scaleLog2) {                                                                                          \
    flash_prefill<D>(q, k, v, out, sinks, windows, workItems, numHeads, numKvHeads, len, scaleLog2);              \
  }

HR_FLASH_PREFILL_WGMMA(64)
HR_FLASH_PREFILL_WGMMA(128)
