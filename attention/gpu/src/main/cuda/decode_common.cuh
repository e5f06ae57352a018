// Split-K decode (flash-decoding) pieces shared by the compressed-cache and the KIVI decode kernels.
//
// A decode step has one query token per query head. The keys of a KV head are cut into splits; one CTA scores a
// split for all the query heads of its GQA group and writes a partial result: the row max m (base 2), the sum
// l = sum exp2(s - m), and o = sum exp2(s - m) v, unnormalized. decode_combine merges the splits of a head.
//
// Partial layout: partO [numHeads][maxSplits][D] float, partM / partL [numHeads][maxSplits] float.
#pragma once
#include "common.cuh"

#define HR_DECODE_THREADS 128
#define HR_MAX_GROUP 8  // query heads per KV head handled by one CTA

// After the scores of a split are in smem (scores[g * splitCap + i], already in log2 units), turns them into
// exp2(s - m) in place and returns m and l per group head through smem (stats[2 * g], stats[2 * g + 1]).
__device__ __forceinline__ void softmax_split(float* scores, int splitCap, int n, int group, float* stats) {
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  for (int gh = warp; gh < group; gh += HR_DECODE_THREADS / 32) {
    float* s = scores + gh * splitCap;
    float m = HR_NEG_INF;
    for (int i = lane; i < n; i += 32) m = fmaxf(m, s[i]);
    m = warp_max(m);
    float l = 0.f;
    for (int i = lane; i < n; i += 32) {
      const float p = exp2f(s[i] - m);
      s[i] = p;
      l += p;
    }
    l = warp_sum(l);
    if (lane == 0) { stats[2 * gh] = m; stats[2 * gh + 1] = l; }
  }
}

// Scores and accumulates a split of bf16 keys/values: keys [0, n) of kRows/vRows ([n][D] row-major).
// The group's query vectors are qGroup[group][D] (bf16). Writes the split's partial result.
template <int D>
__device__ void bf16_split_partial(const __nv_bfloat16* __restrict__ qGroup, const __nv_bfloat16* __restrict__ kRows,
                                   const __nv_bfloat16* __restrict__ vRows, int n, int group, float scaleLog2,
                                   float* scores, int splitCap, float* reduceBuf, float* stats,
                                   float* partO, float* partM, float* partL, int partStride) {
  constexpr int TPK = D / 8;                        // threads per key row, 16 bytes each
  constexpr int KPI = HR_DECODE_THREADS / TPK;      // key rows per CTA iteration
  constexpr int UNROLL = 4;
  const int part = threadIdx.x % TPK, keyLane = threadIdx.x / TPK;

  float qv[HR_MAX_GROUP][8];
#pragma unroll
  for (int gh = 0; gh < HR_MAX_GROUP; ++gh) {
    if (gh < group) unpack8(*reinterpret_cast<const uint4*>(qGroup + gh * D + part * 8), qv[gh]);
  }

  // Scores: 16-byte loads, UNROLL rows in flight per thread; a row's dot product is reduced across its TPK lanes.
  for (int base = 0; base < n; base += KPI * UNROLL) {
    uint4 raw[UNROLL];
#pragma unroll
    for (int u = 0; u < UNROLL; ++u) {
      const int key = base + u * KPI + keyLane;
      raw[u] = key < n ? *reinterpret_cast<const uint4*>(kRows + (size_t)key * D + part * 8) : make_uint4(0, 0, 0, 0);
    }
#pragma unroll
    for (int u = 0; u < UNROLL; ++u) {
      const int key = base + u * KPI + keyLane;
      float kf[8];
      unpack8(raw[u], kf);
#pragma unroll
      for (int gh = 0; gh < HR_MAX_GROUP; ++gh) {
        if (gh >= group) break;
        float dot = 0.f;
#pragma unroll
        for (int e = 0; e < 8; ++e) dot = fmaf(qv[gh][e], kf[e], dot);
#pragma unroll
        for (int o = TPK / 2; o > 0; o >>= 1) dot += __shfl_xor_sync(0xffffffffu, dot, o);
        if (part == 0 && key < n) scores[gh * splitCap + key] = dot * scaleLog2;
      }
    }
  }
  __syncthreads();
  softmax_split(scores, splitCap, n, group, stats);
  __syncthreads();

  // Values: acc[gh][e] for channels part*8 + e, over this thread's key rows.
  float acc[HR_MAX_GROUP][8];
#pragma unroll
  for (int gh = 0; gh < HR_MAX_GROUP; ++gh)
#pragma unroll
    for (int e = 0; e < 8; ++e) acc[gh][e] = 0.f;
  for (int base = 0; base < n; base += KPI * UNROLL) {
    uint4 raw[UNROLL];
#pragma unroll
    for (int u = 0; u < UNROLL; ++u) {
      const int key = base + u * KPI + keyLane;
      raw[u] = key < n ? *reinterpret_cast<const uint4*>(vRows + (size_t)key * D + part * 8) : make_uint4(0, 0, 0, 0);
    }
#pragma unroll
    for (int u = 0; u < UNROLL; ++u) {
      const int key = base + u * KPI + keyLane;
      if (key >= n) break;
      float vf[8];
      unpack8(raw[u], vf);
#pragma unroll
      for (int gh = 0; gh < HR_MAX_GROUP; ++gh) {
        if (gh >= group) break;
        const float p = scores[gh * splitCap + key];
#pragma unroll
        for (int e = 0; e < 8; ++e) acc[gh][e] = fmaf(p, vf[e], acc[gh][e]);
      }
    }
  }
  // Reduce over key lanes: first inside the warp, then across warps through smem.
#pragma unroll
  for (int gh = 0; gh < HR_MAX_GROUP; ++gh) {
    if (gh >= group) break;
#pragma unroll
    for (int e = 0; e < 8; ++e) {
      float x = acc[gh][e];
      for (int o = 16; o >= TPK; o >>= 1) x += __shfl_xor_sync(0xffffffffu, x, o);
      acc[gh][e] = x;
    }
  }
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  if (lane < TPK) {
#pragma unroll
    for (int gh = 0; gh < HR_MAX_GROUP; ++gh) {
      if (gh >= group) break;
#pragma unroll
      for (int e = 0; e < 8; ++e) reduceBuf[(warp * HR_MAX_GROUP + gh) * D + part * 8 + e] = acc[gh][e];
    }
  }
  __syncthreads();
  for (int i = threadIdx.x; i < group * D; i += HR_DECODE_THREADS) {
    const int gh = i / D, d = i % D;
    float x = 0.f;
#pragma unroll
    for (int w = 0; w < HR_DECODE_THREADS / 32; ++w) x += reduceBuf[(w * HR_MAX_GROUP + gh) * D + d];
    partO[(size_t)gh * partStride * D + d] = x;
  }
  if (threadIdx.x < group) {
    partM[(size_t)threadIdx.x * partStride] = stats[2 * threadIdx.x];
    partL[(size_t)threadIdx.x * partStride] = stats[2 * threadIdx.x + 1];
  }
}

// Merges the splits of each query head: out[h] = sum_s exp2(m_s - M) o_s / sum_s exp2(m_s - M) l_s.
// n: how many splits of this head hold data. Grid (numHeads, D / HR_COMBINE_SLICE): a CTA merges one slice of
// channels of one head. The split weights go to smem in chunks; thread (sg, c) then sums splits s = sg mod GROUPS
// for channel c, with many independent loads in flight, and smem adds the groups.
#define HR_COMBINE_THREADS 512
#define HR_COMBINE_SLICE 32
#define HR_COMBINE_CHUNK 2048
__device__ void decode_combine_impl(const float* __restrict__ partO, const float* __restrict__ partM,
                                    const float* __restrict__ partL, int n, __nv_bfloat16* __restrict__ out, int D,
                                    int maxSplits) {
  constexpr int GROUPS = HR_COMBINE_THREADS / HR_COMBINE_SLICE;
  __shared__ float red[HR_COMBINE_THREADS / 32], weight[HR_COMBINE_CHUNK], num[HR_COMBINE_THREADS];
  __shared__ float denShared;
  const int head = blockIdx.x, tid = threadIdx.x;
  const int sg = tid / HR_COMBINE_SLICE, c = blockIdx.y * HR_COMBINE_SLICE + tid % HR_COMBINE_SLICE;
  const float* m = partM + (size_t)head * maxSplits;
  const float* l = partL + (size_t)head * maxSplits;
  const float* o = partO + (size_t)head * maxSplits * D + c;
  float mMax = HR_NEG_INF;
  for (int s = tid; s < n; s += HR_COMBINE_THREADS)
    if (l[s] > 0.f) mMax = fmaxf(mMax, m[s]);
  mMax = warp_max(mMax);
  if ((tid & 31) == 0) red[tid >> 5] = mMax;
  __syncthreads();
  mMax = HR_NEG_INF;
  for (int w = 0; w < HR_COMBINE_THREADS / 32; ++w) mMax = fmaxf(mMax, red[w]);
  __syncthreads();
  float nu = 0.f, de = 0.f;
  for (int base = 0; base < n; base += HR_COMBINE_CHUNK) {
    const int chunk = min(HR_COMBINE_CHUNK, n - base);
    for (int i = tid; i < chunk; i += HR_COMBINE_THREADS) {
      const float ls = l[base + i];
      const float w = ls > 0.f ? exp2f(m[base + i] - mMax) : 0.f;  // an empty split weighs nothing
      weight[i] = w;
      de = fmaf(w, ls, de);
    }
    __syncthreads();
#pragma unroll 8
    for (int i = sg; i < chunk; i += GROUPS) {
      const float w = weight[i];
      if (w > 0.f) nu = fmaf(w, o[(size_t)(base + i) * D], nu);
    }
    __syncthreads();
  }
  de = warp_sum(de);
  if ((tid & 31) == 0) red[tid >> 5] = de;
  num[tid] = nu;
  __syncthreads();
  if (tid == 0) {
    float total = 0.f;
    for (int w = 0; w < HR_COMBINE_THREADS / 32; ++w) total += red[w];
    denShared = total;
  }
  __syncthreads();
  if (tid < HR_COMBINE_SLICE) {
    float a = 0.f;
    for (int gi = 0; gi < GROUPS; ++gi) a += num[gi * HR_COMBINE_SLICE + tid];
    out[(size_t)head * D + c] = __float2bfloat16(denShared > 0.f ? a / denShared : 0.f);
  }
}
