// Causal linear attention: chunked prefill and the recurrent decode step. bf16 in, fp32 state and accumulation.
//
// The caller applies the feature map to q and k (they arrive as phi(q), phi(k)). With S_t = sum_{s<=t} k_s v_s^T
// ([D][D]) and z_t = sum_{s<=t} k_s, the output is o_t = q_t S_t, divided by q_t . z_t when `normalize` is set.
// GQA: query head h uses the state of KV head h / (numHeads / numKvHeads).
// Layouts: q, out [numHeads][len][D]; k, v [numKvHeads][len][D]; state [numKvHeads][D][D] fp32 (row d = key
// channel, column c = value channel); norm [numKvHeads][D] fp32.
#include "common.cuh"

#define LIN_CHUNK 32        // tokens per chunk of the prefill
#define LIN_SLICE 32        // value channels per CTA of the prefill
#define LIN_THREADS 128

// Prefill: grid (numHeads, D / LIN_SLICE). Each CTA walks the chunks in order, keeping the slice S[:, slice] and z
// in shared memory. Inside a chunk: o = q S_prev + causal(q k^T) v, then S += k^T v. The CTAs of the first query
// head of each KV group write the final state, so decode can continue from it.
template <int D>
__device__ void linear_prefill(const __nv_bfloat16* __restrict__ q, const __nv_bfloat16* __restrict__ k,
                               const __nv_bfloat16* __restrict__ v, __nv_bfloat16* __restrict__ out,
                               float* __restrict__ state, float* __restrict__ norm, int numHeads, int numKvHeads,
                               int len, int normalize) {
  __shared__ __nv_bfloat16 qc[LIN_CHUNK][D], kc[LIN_CHUNK][D];
  __shared__ float vc[LIN_CHUNK][LIN_SLICE], s[D][LIN_SLICE], a[LIN_CHUNK][LIN_CHUNK + 1], z[D], den[LIN_CHUNK];
  const int head = blockIdx.x, c0 = blockIdx.y * LIN_SLICE;
  const int kvh = head / (numHeads / numKvHeads);
  const int tid = threadIdx.x;
  const __nv_bfloat16* qh = q + (size_t)head * len * D;
  const __nv_bfloat16* kh = k + (size_t)kvh * len * D;
  const __nv_bfloat16* vh = v + (size_t)kvh * len * D;
  for (int i = tid; i < D * LIN_SLICE; i += LIN_THREADS) s[i / LIN_SLICE][i % LIN_SLICE] = 0.f;
  for (int i = tid; i < D; i += LIN_THREADS) z[i] = 0.f;

  for (int t0 = 0; t0 < len; t0 += LIN_CHUNK) {
    const int n = min(LIN_CHUNK, len - t0);
    __syncthreads();
    for (int i = tid; i < LIN_CHUNK * D; i += LIN_THREADS) {
      const int r = i / D, d = i % D;
      const bool in = r < n;
      qc[r][d] = in ? qh[(size_t)(t0 + r) * D + d] : __float2bfloat16(0.f);
      kc[r][d] = in ? kh[(size_t)(t0 + r) * D + d] : __float2bfloat16(0.f);
    }
    for (int i = tid; i < LIN_CHUNK * LIN_SLICE; i += LIN_THREADS) {
      const int r = i / LIN_SLICE, c = i % LIN_SLICE;
      vc[r][c] = r < n ? __bfloat162float(vh[(size_t)(t0 + r) * D + c0 + c]) : 0.f;
    }
    __syncthreads();
    // a[i][j] = q_i . k_j for j <= i (causal inside the chunk).
    for (int idx = tid; idx < LIN_CHUNK * LIN_CHUNK; idx += LIN_THREADS) {
      const int i = idx / LIN_CHUNK, j = idx % LIN_CHUNK;
      float dot = 0.f;
      if (j <= i)
        for (int d = 0; d < D; ++d) dot = fmaf(__bfloat162float(qc[i][d]), __bfloat162float(kc[j][d]), dot);
      a[i][j] = dot;
    }
    if (tid < LIN_CHUNK) {  // normalizer from the state before this chunk; the chunk's own part is added below
      float dot = 0.f;
      for (int d = 0; d < D; ++d) dot = fmaf(__bfloat162float(qc[tid][d]), z[d], dot);
      den[tid] = dot;
    }
    __syncthreads();
    if (tid < LIN_CHUNK) {
      float sum = 0.f;
      for (int j = 0; j <= tid; ++j) sum += a[tid][j];
      den[tid] += sum;
    }
    __syncthreads();
    // o[i][c] = q_i . S_prev[:, c] + sum_j a[i][j] v_j[c]
    for (int idx = tid; idx < LIN_CHUNK * LIN_SLICE; idx += LIN_THREADS) {
      const int i = idx / LIN_SLICE, c = idx % LIN_SLICE;
      if (i >= n) continue;
      float acc = 0.f;
      for (int d = 0; d < D; ++d) acc = fmaf(__bfloat162float(qc[i][d]), s[d][c], acc);
      for (int j = 0; j <= i; ++j) acc = fmaf(a[i][j], vc[j][c], acc);
      if (normalize) acc = den[i] != 0.f ? acc / den[i] : 0.f;
      out[((size_t)head * len + t0 + i) * D + c0 + c] = __float2bfloat16(acc);
    }
    __syncthreads();
    // S[:, slice] += k^T v ; z += sum of k
    for (int idx = tid; idx < D * LIN_SLICE; idx += LIN_THREADS) {
      const int d = idx / LIN_SLICE, c = idx % LIN_SLICE;
      float acc = s[d][c];
      for (int j = 0; j < n; ++j) acc = fmaf(__bfloat162float(kc[j][d]), vc[j][c], acc);
      s[d][c] = acc;
    }
    for (int d = tid; d < D; d += LIN_THREADS) {
      float acc = z[d];
      for (int j = 0; j < n; ++j) acc += __bfloat162float(kc[j][d]);
      z[d] = acc;
    }
  }
  __syncthreads();
  if (head % (numHeads / numKvHeads) == 0) {
    for (int idx = tid; idx < D * LIN_SLICE; idx += LIN_THREADS) {
      const int d = idx / LIN_SLICE, c = idx % LIN_SLICE;
      state[((size_t)kvh * D + d) * D + c0 + c] = s[d][c];
    }
    if (blockIdx.y == 0)
      for (int d = tid; d < D; d += LIN_THREADS) norm[(size_t)kvh * D + d] = z[d];
  }
}

// Decode step: S += k v^T, z += k, then o = q S (/ q . z). q [numHeads][D], k, v [numKvHeads][D], out [numHeads][D].
// Grid numKvHeads, block D threads: thread c owns column c of the state.
template <int D>
__device__ void linear_decode(const __nv_bfloat16* q, const __nv_bfloat16* k, const __nv_bfloat16* v, float* state,
                              float* norm, __nv_bfloat16* out, int numHeads, int numKvHeads, int normalize) {
  constexpr int MAXG = 8;
  __shared__ float kv[D], qs[MAXG][D], zs[D];
  const int kvh = blockIdx.x, c = threadIdx.x;
  const int group = numHeads / numKvHeads;
  kv[c] = __bfloat162float(k[(size_t)kvh * D + c]);
  for (int gh = 0; gh < group; ++gh) qs[gh][c] = __bfloat162float(q[(size_t)(kvh * group + gh) * D + c]);
  const float z = norm[(size_t)kvh * D + c] + kv[c];
  norm[(size_t)kvh * D + c] = z;
  zs[c] = z;
  __syncthreads();
  const float vc = __bfloat162float(v[(size_t)kvh * D + c]);
  float num[MAXG];
#pragma unroll
  for (int gh = 0; gh < MAXG; ++gh) num[gh] = 0.f;
  float* col = state + (size_t)kvh * D * D + c;
  for (int d = 0; d < D; ++d) {
    const float sdc = fmaf(kv[d], vc, col[(size_t)d * D]);
    col[(size_t)d * D] = sdc;
#pragma unroll
    for (int gh = 0; gh < MAXG; ++gh)
      if (gh < group) num[gh] = fmaf(qs[gh][d], sdc, num[gh]);
  }
#pragma unroll
  for (int gh = 0; gh < MAXG; ++gh) {
    if (gh >= group) break;
    float den = 1.f;
    if (normalize) {
      den = 0.f;
      for (int d = 0; d < D; ++d) den = fmaf(qs[gh][d], zs[d], den);
    }
    out[(size_t)(kvh * group + gh) * D + c] = __float2bfloat16(den != 0.f ? num[gh] / den : 0.f);
  }
}

#define HR_LINEAR(D)                                                                                              \
  extern "C" __global__ void __launch_bounds__(LIN_THREADS) linear_prefill_d##D(                                  \
      const __nv_bfloat16* q, const __nv_bfloat16* k, const __nv_bfloat16* v, __nv_bfloat16* out, float* state,   \
      float* norm, int numHeads, int numKvHeads, int len, int normalize) {                                         \
    linear_prefill<D>(q, k, v, out, state, norm, numHeads, numKvHeads, len, normalize);                            \
  }                                                                                                               \
  extern "C" __global__ void linear_decode_d##D(const __nv_bfloat16* q, const __nv_bfloat16* k,                   \
                                                const __nv_bfloat16* v, float* state, float* norm,                \
                                                __nv_bfloat16* out, int numHeads, int numKvHeads, int normalize) { \
    linear_decode<D>(q, k, v, state, norm, out, numHeads, numKvHeads, normalize);                                  \
  }
HR_LINEAR(64)
HR_LINEAR(128)
