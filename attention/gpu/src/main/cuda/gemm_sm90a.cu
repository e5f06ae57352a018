// Linear layers y = x W^T on Hopper tensor cores (wgmma, sm_90a): same contract as gemm_bf16_mma in gemm.cu, which
// stays as the portable version. bf16 in, fp32 accumulate; output modes 0 = bf16, 1 = fp32, 2 = fp32 y += x W^T.
//
// Layouts (row-major): x [M][K], W [N][K], y [M][N]; K a multiple of 8, M and N arbitrary.
//
// One CTA = WG warpgroups (2 or 3) = a 64 WG x 256 tile of y; warpgroup wg owns rows [64 wg, 64 wg + 64) and all 256
// columns (one wgmma m64n256k16 per 16 channels, both operands read from shared memory, K-major). Three warpgroups
// move 30% fewer bytes from L2 per FLOP than two, at the price of all of shared memory and registers. K streams in slices of
// 64 channels through STAGES shared-memory buffers filled by cp.async. Each iteration issues the wgmma of slice kt
// and waits only for that of slice kt - 1, so the tensor cores keep one slice queued while the CTA loads ahead.
// Tiles use the 128-byte swizzle the descriptors name: row r is 128 bytes (64 channels), 16-byte chunk c sits at
// chunk c ^ (r % 8), and each buffer starts on a 1024-byte boundary.
#include "common.cuh"

namespace {

constexpr int BN = 256, BK = 64, STAGES = 4;
constexpr int TILE_B = BN * BK * 2;
constexpr int GROUP_M = 8;  // CTAs walk 8 row tiles before the next column tile, so W tiles are shared in L2

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
// cp.async writes are generic-proxy writes; wgmma reads through the async proxy.
__device__ __forceinline__ void fence_proxy_async() { asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory"); }

// wgmma shared-memory descriptor, 128-byte swizzle: start address, leading and stride byte offsets (16-byte units).
__device__ __forceinline__ uint64_t smem_desc(const void* p, uint32_t leadingBytes, uint32_t strideBytes) {
  return (uint64_t)((smem_addr(p) & 0x3ffff) >> 4) | ((uint64_t)(leadingBytes >> 4) << 16) |
         ((uint64_t)(strideBytes >> 4) << 32) | (1ull << 62);
}
// K-major operand, channels [16 kc, 16 kc + 16) of a 64-channel slice: 8-row groups are 1024 bytes apart.
__device__ __forceinline__ uint64_t k_major_desc(const char* tile, int kc) { return smem_desc(tile + kc * 32, 16, 1024); }

__device__ __forceinline__ void wgmma_fence() { asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory"); }
__device__ __forceinline__ void wgmma_commit() { asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory"); }
template <int N>
__device__ __forceinline__ void wgmma_wait() {
  asm volatile("wgmma.wait_group.sync.aligned %0;\n" ::"n"(N) : "memory");
}
// Keeps the compiler from touching accumulator registers across an asynchronous wgmma.
__device__ __forceinline__ void fence_registers(float (&d)[32][4]) {
#pragma unroll
  for (int i = 0; i < 32; ++i)
#pragma unroll
    for (int e = 0; e < 4; ++e) asm volatile("" : "+f"(d[i][e])::"memory");
}

// d[32][4] (+)= A(64x16, smem, K-major) * B(16x256, smem, K-major): m64n256k16, bf16 in, fp32 accumulate.
__device__ __forceinline__ void wgmma_m64n256k16_ss(float (&d)[32][4], uint64_t descA, uint64_t descB, int accumulate) {
  asm volatile(
      "{\n.reg .pred p;\nsetp.ne.b32 p, %130, 0;\n"
      "wgmma.mma_async.sync.aligned.m64n256k16.f32.bf16.bf16 {"
      "%0,%1,%2,%3,%4,%5,%6,%7,%8,%9,%10,%11,%12,%13,%14,%15,%16,%17,%18,%19,%20,%21,%22,%23,%24,%25,%26,%27,%28,%29,%30,%31,%32,%33,%34,%35,%36,%37,%38,%39,%40,%41,%42,%43,%44,%45,%46,%47,%48,%49,%50,%51,%52,%53,%54,%55,%56,%57,%58,%59,%60,%61,%62,%63,%64,%65,%66,%67,%68,%69,%70,%71,%72,%73,%74,%75,%76,%77,%78,%79,%80,%81,%82,%83,%84,%85,%86,%87,%88,%89,%90,%91,%92,%93,%94,%95,%96,%97,%98,%99,%100,%101,%102,%103,%104,%105,%106,%107,%108,%109,%110,%111,%112,%113,%114,%115,%116,%117,%118,%119,%120,%121,%122,%123,%124,%125,%126,%127"
      "}, %128, %129, p, 1, 1, 0, 0;\n}\n"
      :
        "+f"(d[0][0]), "+f"(d[0][1]), "+f"(d[0][2]), "+f"(d[0][3]), "+f"(d[1][0]), "+f"(d[1][1]), "+f"(d[1][2]), "+f"(d[1][3]), "+f"(d[2][0]), "+f"(d[2][1]), "+f"(d[2][2]), "+f"(d[2][3]), "+f"(d[3][0]), "+f"(d[3][1]), "+f"(d[3][2]), "+f"(d[3][3]),
        "+f"(d[4][0]), "+f"(d[4][1]), "+f"(d[4][2]), "+f"(d[4][3]), "+f"(d[5][0]), "+f"(d[5][1]), "+f"(d[5][2]), "+f"(d[5][3]), "+f"(d[6][0]), "+f"(d[6][1]), "+f"(d[6][2]), "+f"(d[6][3]), "+f"(d[7][0]), "+f"(d[7][1]), "+f"(d[7][2]), "+f"(d[7][3]),
        "+f"(d[8][0]), "+f"(d[8][1]), "+f"(d[8][2]), "+f"(d[8][3]), "+f"(d[9][0]), "+f"(d[9][1]), "+f"(d[9][2]), "+f"(d[9][3]), "+f"(d[10][0]), "+f"(d[10][1]), "+f"(d[10][2]), "+f"(d[10][3]), "+f"(d[11][0]), "+f"(d[11][1]), "+f"(d[11][2]), "+f"(d[11][3]),
        "+f"(d[12][0]), "+f"(d[12][1]), "+f"(d[12][2]), "+f"(d[12][3]), "+f"(d[13][0]), "+f"(d[13][1]), "+f"(d[13][2]), "+f"(d[13][3]), "+f"(d[14][0]), "+f"(d[14][1]), "+f"(d[14][2]), "+f"(d[14][3]), "+f"(d[15][0]), "+f"(d[15][1]), "+f"(d[15][2]), "+f"(d[15][3]),
        "+f"(d[16][0]), "+f"(d[16][1]), "+f"(d[16][2]), "+f"(d[16][3]), "+f"(d[17][0]), "+f"(d[17][1]), "+f"(d[17][2]), "+f"(d[17][3]), "+f"(d[18][0]), "+f"(d[18][1]), "+f"(d[18][2]), "+f"(d[18][3]), "+f"(d[19][0]), "+f"(d[19][1]), "+f"(d[19][2]), "+f"(d[19][3]),
        "+f"(d[20][0]), "+f"(d[20][1]), "+f"(d[20][2]), "+f"(d[20][3]), "+f"(d[21][0]), "+f"(d[21][1]), "+f"(d[21][2]), "+f"(d[21][3]), "+f"(d[22][0]), "+f"(d[22][1]), "+f"(d[22][2]), "+f"(d[22][3]), "+f"(d[23][0]), "+f"(d[23][1]), "+f"(d[23][2]), "+f"(d[23][3]),
        "+f"(d[24][0]), "+f"(d[24][1]), "+f"(d[24][2]), "+f"(d[24][3]), "+f"(d[25][0]), "+f"(d[25][1]), "+f"(d[25][2]), "+f"(d[25][3]), "+f"(d[26][0]), "+f"(d[26][1]), "+f"(d[26][2]), "+f"(d[26][3]), "+f"(d[27][0]), "+f"(d[27][1]), "+f"(d[27][2]), "+f"(d[27][3]),
        "+f"(d[28][0]), "+f"(d[28][1]), "+f"(d[28][2]), "+f"(d[28][3]), "+f"(d[29][0]), "+f"(d[29][1]), "+f"(d[29][2]), "+f"(d[29][3]), "+f"(d[30][0]), "+f"(d[30][1]), "+f"(d[30][2]), "+f"(d[30][3]), "+f"(d[31][0]), "+f"(d[31][1]), "+f"(d[31][2]), "+f"(d[31][3])
      : "l"(descA), "l"(descB), "r"(accumulate));
}

// Tile of linear block b: row tiles in groups of GROUP_M, column tiles within a group (as gemm.cu; mirrored by
// GemmKernel.tileOf).
__device__ __forceinline__ void tile_of(int b, int mTiles, int nTiles, int& mTile, int& nTile) {
  const int perGroup = GROUP_M * nTiles;
  const int group = b / perGroup, first = group * GROUP_M;
  const int rows = min(mTiles - first, GROUP_M);
  const int inGroup = b - group * perGroup;
  mTile = first + inGroup % rows;
  nTile = inGroup / rows;
}

// Rows [row0, row0 + ROWS) and channels [k0, k0 + 64) of a [rows][K] matrix into a swizzled tile; outside: zeros.
template <int ROWS, int THREADS>
__device__ __forceinline__ void load_slice(char* tile, const __nv_bfloat16* src, int row0, int rows, int k0, int K) {
#pragma unroll
  for (int i = threadIdx.x; i < ROWS * 8; i += THREADS) {
    const int row = i >> 3, chunk = i & 7;
    const int r = row0 + row, k = k0 + chunk * 8;
    const bool inside = r < rows && k < K;
    cp_async16(tile + row * 128 + ((chunk ^ (row & 7)) << 4), src + (inside ? (size_t)r * K + k : 0), inside);
  }
}

template <int WG>
__device__ void gemm_wgmma(const __nv_bfloat16* __restrict__ x, const __nv_bfloat16* __restrict__ w, void* y, int M,
                           int N, int K, int mode) {
  constexpr int BM = 64 * WG, THREADS = 128 * WG;
  constexpr int TILE_A = BM * BK * 2, STAGE = TILE_A + TILE_B;
  extern __shared__ char smemRaw[];
  char* smem = smemRaw + ((1024 - (smem_addr(smemRaw) & 1023)) & 1023);  // descriptors want 1024-byte blocks
  int mTile, nTile;
  tile_of(blockIdx.x, (M + BM - 1) / BM, (N + BN - 1) / BN, mTile, nTile);
  const int m0 = mTile * BM, n0 = nTile * BN;
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const int wg = warp >> 2;
  const int kTiles = (K + BK - 1) / BK;

  // Slices kt and kt + 1 are in flight when slice kt is consumed: at iteration kt every warpgroup has finished the
  // wgmma of slice kt - 2, so slice kt + 2 goes into its buffer.
#pragma unroll
  for (int s = 0; s < 2; ++s) {
    if (s < kTiles) {
      load_slice<BM, THREADS>(smem + s * STAGE, x, m0, M, s * BK, K);
      load_slice<BN, THREADS>(smem + s * STAGE + TILE_A, w, n0, N, s * BK, K);
    }
    cp_async_commit();
  }

  float acc[32][4];
#pragma unroll
  for (int i = 0; i < 32; ++i) acc[i][0] = acc[i][1] = acc[i][2] = acc[i][3] = 0.f;

  for (int kt = 0; kt < kTiles; ++kt) {
    cp_async_wait<1>();  // slice kt has landed (for this thread) ...
    fence_proxy_async();
    __syncthreads();     // ... for every thread; every warpgroup is done with slice kt - 2
    const int next = kt + 2;
    if (next < kTiles) {
      char* s = smem + (next % STAGES) * STAGE;
      load_slice<BM, THREADS>(s, x, m0, M, next * BK, K);
      load_slice<BN, THREADS>(s + TILE_A, w, n0, N, next * BK, K);
    }
    cp_async_commit();

    const char* a = smem + (kt % STAGES) * STAGE + wg * 64 * 128;
    const char* b = smem + (kt % STAGES) * STAGE + TILE_A;
    wgmma_fence();
#pragma unroll
    for (int kc = 0; kc < BK / 16; ++kc)
      wgmma_m64n256k16_ss(acc, k_major_desc(a, kc), k_major_desc(b, kc), kt > 0 || kc > 0);
    wgmma_commit();
    wgmma_wait<1>();
    fence_registers(acc);
  }
  wgmma_wait<0>();
  fence_registers(acc);
  cp_async_wait<0>();

  const int g = lane >> 2, t = lane & 3;
#pragma unroll
  for (int half = 0; half < 2; ++half) {
    const int row = m0 + wg * 64 + (warp & 3) * 16 + g + half * 8;
    if (row >= M) continue;
    const long long rowBase = (long long)row * N;
#pragma unroll
    for (int i = 0; i < 32; ++i) {
      const int col = n0 + i * 8 + 2 * t;
      const float v0 = acc[i][2 * half], v1 = acc[i][2 * half + 1];
      if (mode == 0) {
        __nv_bfloat16* p = reinterpret_cast<__nv_bfloat16*>(y) + rowBase + col;
        if (col + 1 < N && ((rowBase + col) & 1) == 0) {
          *reinterpret_cast<uint32_t*>(p) = pack_bf16x2(v0, v1);
        } else {
          if (col < N) p[0] = __float2bfloat16(v0);
          if (col + 1 < N) p[1] = __float2bfloat16(v1);
        }
      } else {
        float* p = reinterpret_cast<float*>(y) + rowBase + col;
        float u0 = v0, u1 = v1;
        if (mode == 2) {
          if (col < N) u0 += p[0];
          if (col + 1 < N) u1 += p[1];
        }
        if (col + 1 < N && ((rowBase + col) & 1) == 0) {
          *reinterpret_cast<float2*>(p) = make_float2(u0, u1);
        } else {
          if (col < N) p[0] = u0;
          if (col + 1 < N) p[1] = u1;
        }
      }
    }
  }
}

}  // namespace

extern "C" __global__ void __launch_bounds__(256, 1)
    gemm_bf16_wgmma(const __nv_bfloat16* x, const __nv_bfloat16* w, void* y, int M, int N, int K, int mode) {
  gemm_wgmma<2>(x, w, y, M, N, K, mode);
}

extern "C" __global__ void __launch_bounds__(384, 1)
    gemm_bf16_wgmma_m192(const __nv_bfloat16* x, const __nv_bfloat16* w, void* y, int M, int N, int K, int mode) {
  gemm_wgmma<3>(x, w, y, M, N, K, mode);
}
