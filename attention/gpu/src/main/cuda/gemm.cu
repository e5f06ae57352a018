// Linear layers y = x W^T on tensor cores with mma.sync (any sm_80+ GPU), bf16 in, fp32 accumulate, and the
// bandwidth-bound small-batch path (GEMV) for decode.
//
// Layouts (row-major): x [M][K], W [N][K] (the checkpoint's own [out][in]), y [M][N].
// K must be a multiple of 8 (16-byte rows); M and N are arbitrary (edges zero-filled and masked).
// Output modes: 0 = bf16 store, 1 = fp32 store, 2 = fp32 accumulate (y += x W^T: the residual add of o_proj and
// down_proj folded into the epilogue).
#include "common.cuh"

namespace {

__device__ __forceinline__ uint32_t smem_addr(const void* p) {
  return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}
__device__ __forceinline__ void cp_async16(void* dst, const void* src, bool inside) {
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(smem_addr(dst)), "l"(src),
               "r"(inside ? 16 : 0));
}
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }
template <int N>
__device__ __forceinline__ void cp_async_wait() { asm volatile("cp.async.wait_group %0;\n" ::"n"(N)); }

__device__ __forceinline__ void ldmatrix_x4(uint32_t* r, uint32_t addr) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(addr));
}

// c += a(16x16, row) * b(16x8, col), bf16 operands, fp32 accumulators.
__device__ __forceinline__ void mma_bf16(float* c, const uint32_t* a, uint32_t b0, uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// Stores two adjacent outputs (columns col, col + 1 of one row) in the chosen mode; columns past n are dropped.
__device__ __forceinline__ void store_pair(void* y, long long rowBase, int col, int n, float v0, float v1,
                                           int mode) {
  if (mode == 0) {
    __nv_bfloat16* p = reinterpret_cast<__nv_bfloat16*>(y) + rowBase + col;
    if (col + 1 < n && ((rowBase + col) & 1) == 0) {
      *reinterpret_cast<uint32_t*>(p) = pack_bf16x2(v0, v1);
    } else {
      if (col < n) p[0] = __float2bfloat16(v0);
      if (col + 1 < n) p[1] = __float2bfloat16(v1);
    }
  } else {
    float* p = reinterpret_cast<float*>(y) + rowBase + col;
    if (mode == 2) {
      if (col < n) v0 += p[0];
      if (col + 1 < n) v1 += p[1];
    }
    if (col + 1 < n && ((rowBase + col) & 1) == 0) {
      *reinterpret_cast<float2*>(p) = make_float2(v0, v1);
    } else {
      if (col < n) p[0] = v0;
      if (col + 1 < n) p[1] = v1;
    }
  }
}

// ---- GEMM ----
// One CTA = 8 warps = a 128 x 128 tile of y; warps as 2 (rows) x 4 (columns), 64 x 32 each; two CTAs per
// multiprocessor. K streams through shared memory in slices of 64 (cp.async, STAGES deep). Tiles are stored as rows
// of 128 bytes with the 16-byte chunk index XOR-swizzled by the row, so ldmatrix over 8 rows at one column hits 8
// different bank groups.
constexpr int BM = 128, BN = 128, BK = 64, STAGES = 3, THREADS = 256;
constexpr int TILE_A = BM * BK * 2, TILE_B = BN * BK * 2;
constexpr int GROUP_M = 8;  // CTAs walk 8 row tiles before the next column tile, so W tiles are shared in L2

__device__ __forceinline__ int swz(int row, int chunk) { return row * 128 + ((chunk ^ (row & 7)) << 4); }

// Tile of linear block b: row tiles in groups of GROUP_M, column tiles within a group. Mirrored by
// GemmKernel.tileOf on the host (tested there).
__device__ __forceinline__ void tile_of(int b, int mTiles, int nTiles, int& mTile, int& nTile) {
  const int perGroup = GROUP_M * nTiles;
  const int group = b / perGroup, first = group * GROUP_M;
  const int rows = min(mTiles - first, GROUP_M);
  const int inGroup = b - group * perGroup;
  mTile = first + inGroup % rows;
  nTile = inGroup / rows;
}

// Rows [row0, row0 + ROWS) and channels [k0, k0 + 64) of a [rows][K] matrix into a swizzled tile; outside: zeros.
template <int ROWS>
__device__ __forceinline__ void load_slice(char* tile, const __nv_bfloat16* src, int row0, int rows, int k0, int K) {
#pragma unroll
  for (int i = threadIdx.x; i < ROWS * 8; i += THREADS) {
    const int row = i >> 3, chunk = i & 7;
    const int r = row0 + row, k = k0 + chunk * 8;
    const bool inside = r < rows && k < K;
    cp_async16(tile + swz(row, chunk), src + (inside ? (size_t)r * K + k : 0), inside);
  }
}

__device__ void gemm_mma(const __nv_bfloat16* __restrict__ x, const __nv_bfloat16* __restrict__ w, void* y, int M,
                         int N, int K, int mode) {
  extern __shared__ __align__(128) char smem[];
  int mTile, nTile;
  tile_of(blockIdx.x, (M + BM - 1) / BM, (N + BN - 1) / BN, mTile, nTile);
  const int m0 = mTile * BM, n0 = nTile * BN;
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const int wm = warp >> 2, wn = warp & 3;  // warp tile: rows 64 wm.., columns 32 wn..
  const int kTiles = (K + BK - 1) / BK;

  auto stageA = [&](int s) { return smem + s * (TILE_A + TILE_B); };
  auto stageB = [&](int s) { return smem + s * (TILE_A + TILE_B) + TILE_A; };

#pragma unroll
  for (int s = 0; s < STAGES - 1; ++s) {
    if (s < kTiles) {
      load_slice<BM>(stageA(s), x, m0, M, s * BK, K);
      load_slice<BN>(stageB(s), w, n0, N, s * BK, K);
    }
    cp_async_commit();
  }

  float acc[4][4][4];
#pragma unroll
  for (int i = 0; i < 4; ++i)
#pragma unroll
    for (int j = 0; j < 4; ++j) acc[i][j][0] = acc[i][j][1] = acc[i][j][2] = acc[i][j][3] = 0.f;

  for (int kt = 0; kt < kTiles; ++kt) {
    cp_async_wait<STAGES - 2>();  // slice kt has landed (for this thread) ...
    __syncthreads();              // ... for every thread; and every warp is done with slice kt - 1
    const int next = kt + STAGES - 1;
    if (next < kTiles) {
      load_slice<BM>(stageA(next % STAGES), x, m0, M, next * BK, K);
      load_slice<BN>(stageB(next % STAGES), w, n0, N, next * BK, K);
    }
    cp_async_commit();

    const char* a = stageA(kt % STAGES);
    const char* b = stageB(kt % STAGES);
#pragma unroll
    for (int kc = 0; kc < BK / 16; ++kc) {
      uint32_t af[4][4], bf[4][2];
#pragma unroll
      for (int mt = 0; mt < 4; ++mt) {
        const int row = wm * 64 + mt * 16 + (lane & 7) + ((lane >> 3) & 1) * 8;
        ldmatrix_x4(af[mt], smem_addr(a + swz(row, kc * 2 + (lane >> 4))));
      }
#pragma unroll
      for (int np = 0; np < 2; ++np) {
        uint32_t r[4];
        const int row = wn * 32 + np * 16 + (lane & 7) + (lane >> 4) * 8;
        ldmatrix_x4(r, smem_addr(b + swz(row, kc * 2 + ((lane >> 3) & 1))));
        bf[2 * np][0] = r[0];
        bf[2 * np][1] = r[1];
        bf[2 * np + 1][0] = r[2];
        bf[2 * np + 1][1] = r[3];
      }
#pragma unroll
      for (int mt = 0; mt < 4; ++mt)
#pragma unroll
        for (int nt = 0; nt < 4; ++nt) mma_bf16(acc[mt][nt], af[mt], bf[nt][0], bf[nt][1]);
    }
  }
  cp_async_wait<0>();

  const int g = lane >> 2, t = lane & 3;
#pragma unroll
  for (int mt = 0; mt < 4; ++mt) {
#pragma unroll
    for (int half = 0; half < 2; ++half) {
      const int row = m0 + wm * 64 + mt * 16 + g + half * 8;
      if (row >= M) continue;
#pragma unroll
      for (int nt = 0; nt < 4; ++nt) {
        const int col = n0 + wn * 32 + nt * 8 + 2 * t;
        store_pair(y, (long long)row * N, col, N, acc[mt][nt][2 * half], acc[mt][nt][2 * half + 1], mode);
      }
    }
  }
}

// ---- GEMV (decode, batch 1..8) ----
// The batch is the n = 8 side of one mma.sync m16n8k16: a warp multiplies 16 rows of W (the A operand) by x^T
// (the B operand, 8 batch columns; rows past the batch are zero), so the fp32 accumulation costs no FMA issue slots
// and the kernel is bound by reading W once. A dot product does not care about the order of k, so each thread
// loads 16 contiguous bytes of a W row and of an x row (channels 8t .. 8t + 7 of a 32-channel block) and both
// operands use the same permutation of k: fragments come straight from global memory, with no shared memory.
// One CTA = WARPS warps (4, 8 or 16) = 16 rows of W; the warps split K (interleaved 32-channel blocks) and add
// through shared memory. More warps per row block keep more loads in flight when W has few rows (4096).
constexpr int GEMV_UNROLL = 4;

__device__ __forceinline__ uint4 load_stream(const __nv_bfloat16* p) {  // W: read once, keep it out of L1
  uint4 v;
  asm volatile("ld.global.nc.L1::no_allocate.v4.u32 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w) : "l"(p));
  return v;
}

template <int GEMV_WARPS>
__device__ void gemv_mma(const __nv_bfloat16* __restrict__ x, const __nv_bfloat16* __restrict__ w, void* y,
                         int batch, int N, int K, int mode) {
  __shared__ float partial[GEMV_WARPS][32][4];
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const int g = lane >> 2, t = lane & 3;
  const int n0 = blockIdx.x * 16;
  const int rowLo = n0 + g, rowHi = n0 + g + 8;
  const bool loOk = rowLo < N, hiOk = rowHi < N, xOk = g < batch;
  const __nv_bfloat16* wLo = w + (size_t)(loOk ? rowLo : 0) * K;
  const __nv_bfloat16* wHi = w + (size_t)(hiOk ? rowHi : 0) * K;
  const __nv_bfloat16* xr = x + (size_t)(xOk ? g : 0) * K;
  const uint4 zero = make_uint4(0, 0, 0, 0);

  float c[4] = {0.f, 0.f, 0.f, 0.f};
  const int blocks = (K + 31) / 32;
  for (int kb0 = warp; kb0 < blocks; kb0 += GEMV_WARPS * GEMV_UNROLL) {
    uint4 a0[GEMV_UNROLL], a1[GEMV_UNROLL], b[GEMV_UNROLL];
#pragma unroll
    for (int u = 0; u < GEMV_UNROLL; ++u) {  // all loads first: several 16-byte loads in flight per thread
      const int kb = kb0 + u * GEMV_WARPS;
      const int k = kb * 32 + t * 8;
      const bool kOk = kb < blocks && k < K;
      a0[u] = kOk && loOk ? load_stream(wLo + k) : zero;
      a1[u] = kOk && hiOk ? load_stream(wHi + k) : zero;
      b[u] = kOk && xOk ? __ldg(reinterpret_cast<const uint4*>(xr + k)) : zero;
    }
#pragma unroll
    for (int u = 0; u < GEMV_UNROLL; ++u) {
      const uint32_t f0[4] = {a0[u].x, a1[u].x, a0[u].y, a1[u].y};
      const uint32_t f1[4] = {a0[u].z, a1[u].z, a0[u].w, a1[u].w};
      mma_bf16(c, f0, b[u].x, b[u].y);
      mma_bf16(c, f1, b[u].z, b[u].w);
    }
  }
  // c[0], c[1]: W row g, batch columns 2t, 2t + 1; c[2], c[3]: W row g + 8.
#pragma unroll
  for (int e = 0; e < 4; ++e) partial[warp][lane][e] = c[e];
  __syncthreads();
  if (warp == 0) {
#pragma unroll
    for (int e = 0; e < 4; ++e) {
      float s = 0.f;
#pragma unroll
      for (int wi = 0; wi < GEMV_WARPS; ++wi) s += partial[wi][lane][e];
      const int row = e < 2 ? rowLo : rowHi, col = 2 * t + (e & 1);  // col: the batch row of y
      if (row < N && col < batch) {
        const size_t at = (size_t)col * N + row;
        if (mode == 0) reinterpret_cast<__nv_bfloat16*>(y)[at] = __float2bfloat16(s);
        else if (mode == 1) reinterpret_cast<float*>(y)[at] = s;
        else reinterpret_cast<float*>(y)[at] += s;
      }
    }
  }
}

}  // namespace

extern "C" __global__ void __launch_bounds__(THREADS, 2)
    gemm_bf16_mma(const __nv_bfloat16* x, const __nv_bfloat16* w, void* y, int M, int N, int K, int mode) {
  gemm_mma(x, w, y, M, N, K, mode);
}

#define HR_GEMV(WARPS)                                                                                     \
  extern "C" __global__ void __launch_bounds__(WARPS * 32) gemv_bf16_w##WARPS(                            \
      const __nv_bfloat16* x, const __nv_bfloat16* w, void* y, int batch, int N, int K, int mode) {       \
    gemv_mma<WARPS>(x, w, y, batch, N, K, mode);                                                          \
  }
HR_GEMV(4)
HR_GEMV(8)
HR_GEMV(16)
