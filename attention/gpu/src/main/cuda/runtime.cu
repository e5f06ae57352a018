// The model runtime's own kernels (CudaForward): the fp32 forward pass for small models (parity exact to fp32
// rounding), and what both precisions share: rotary embeddings from a host-computed cos/sin table, the KV-cache
// append into per-head slots (full heads append, sink + window heads keep a ring), and attention of a chunk of
// queries over the cache plus the chunk's own keys, under a per-KV-head pattern. Written to be read, not to be fast:
// the bf16 path runs its linear layers, norms and SwiGLU on the tensor-core kernels of gemm*.cu and forward.cu.
//
// Shapes: T tokens of this call (a prefill chunk, or 1 when decoding), D hidden, H/KV query/KV heads, hd head dim,
// F MLP width, V vocabulary. A fused qkv row is [q heads | k heads | v heads] = (H + 2 KV) hd floats. A layer's
// cache is K[KV][cap][hd] and V[KV][cap][hd] (fp32); sink[KV] and window[KV] give each KV head's pattern
// (window 0: full, sink 0), as attention/core's HeadPattern and KvSlots.
#include "common.cuh"

namespace {

constexpr int RT_THREADS = 256;

__device__ __forceinline__ float rt_block_sum(float v, float* scratch) {
  v = warp_sum(v);
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  float total = 0.f;
#pragma unroll
  for (int i = 0; i < RT_THREADS / 32; ++i) total += scratch[i];
  __syncthreads();
  return total;
}

// The cache slot of position pos under (sink, window), as KvSlots.slot.
__device__ __forceinline__ int slot_of(int pos, int sink, int window) {
  if (window == 0 || pos < sink) return pos;
  return sink + (pos - sink) % window;
}

}  // namespace

// ---- Embedding from an fp32 table: out[t][:] = table[ids[t]][:] (NaN for an id outside [0, vocab)) ----
extern "C" __global__ void rt_embed_f32(const int* __restrict__ ids, const float* __restrict__ table,
                                        float* __restrict__ out, int vocab, int dim) {
  const int id = ids[blockIdx.x];
  const bool ok = id >= 0 && id < vocab;
  for (int i = threadIdx.x; i < dim; i += blockDim.x)
    out[(size_t)blockIdx.x * dim + i] = ok ? table[(size_t)id * dim + i] : __int_as_float(0x7fc00000);
}

// ---- RMSNorm, fp32 weight and output: y[r] = x[r] / sqrt(mean(x[r]^2) + eps) * w; one CTA per row ----
extern "C" __global__ void __launch_bounds__(RT_THREADS)
    rt_rmsnorm_f32(const float* __restrict__ x, const float* __restrict__ w, float* __restrict__ y, int dim,
                   float eps) {
  __shared__ float scratch[RT_THREADS / 32];
  const float* row = x + (size_t)blockIdx.x * dim;
  float ss = 0.f;
  for (int i = threadIdx.x; i < dim; i += RT_THREADS) ss += row[i] * row[i];
  const float denom = sqrtf(rt_block_sum(ss, scratch) / dim + eps);
  for (int i = threadIdx.x; i < dim; i += RT_THREADS) y[(size_t)blockIdx.x * dim + i] = row[i] / denom * w[i];
}

// ---- y = x W^T (accumulate = 0) or y += x W^T (accumulate = 1), all fp32 ----
// x [m][k], W [n][k] (the checkpoint's [out][in]), y [m][n]. A CTA of 32 x 8 threads computes a 32 x 32 tile of y;
// thread (tx, ty) holds rows ty*4 .. ty*4+3 of column tx. K goes through shared memory 32 at a time.
constexpr int MM_TILE = 32;
extern "C" __global__ void __launch_bounds__(RT_THREADS)
    rt_matmul_f32(const float* __restrict__ x, const float* __restrict__ W, float* __restrict__ y, int m, int n, int k,
                  int accumulate) {
  __shared__ float xs[MM_TILE][MM_TILE + 1];  // [row of y][k]
  __shared__ float ws[MM_TILE][MM_TILE + 1];  // [column of y][k]
  const int tx = threadIdx.x & 31, ty = threadIdx.x >> 5;
  const int row0 = blockIdx.y * MM_TILE, col0 = blockIdx.x * MM_TILE;
  float acc[4] = {0.f, 0.f, 0.f, 0.f};
  for (int k0 = 0; k0 < k; k0 += MM_TILE) {
    for (int i = ty; i < MM_TILE; i += 8) {
      const int kk = k0 + tx;
      xs[i][tx] = (row0 + i < m && kk < k) ? x[(size_t)(row0 + i) * k + kk] : 0.f;
      ws[i][tx] = (col0 + i < n && kk < k) ? W[(size_t)(col0 + i) * k + kk] : 0.f;
    }
    __syncthreads();
#pragma unroll 8
    for (int kk = 0; kk < MM_TILE; ++kk) {
      const float wv = ws[tx][kk];
#pragma unroll
      for (int r = 0; r < 4; ++r) acc[r] += xs[ty * 4 + r][kk] * wv;
    }
    __syncthreads();
  }
  const int col = col0 + tx;
  if (col >= n) return;
#pragma unroll
  for (int r = 0; r < 4; ++r) {
    const int row = row0 + ty * 4 + r;
    if (row < m) {
      float* out = y + (size_t)row * n + col;
      *out = accumulate ? *out + acc[r] : acc[r];
    }
  }
}

// ---- y[r][i] += bias[i] for rows x n, fp32 ----
extern "C" __global__ void rt_add_bias(float* __restrict__ y, const float* __restrict__ bias, int rows, int n) {
  const long long total = (long long)rows * n;
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total;
       i += (long long)gridDim.x * blockDim.x)
    y[i] += bias[i % n];
}

// ---- SwiGLU in fp32: out[r][i] = silu(gu[r][i]) * gu[r][F + i]; gu [rows][2F] (gate first), out [rows][F] ----
extern "C" __global__ void rt_swiglu_f32(const float* __restrict__ gu, float* __restrict__ out, int rows, int ffn) {
  const long long total = (long long)rows * ffn;
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total;
       i += (long long)gridDim.x * blockDim.x) {
    const long long r = i / ffn;
    const int c = (int)(i % ffn);
    const float g = gu[r * 2 * ffn + c];
    out[i] = g / (1.f + expf(-g)) * gu[r * 2 * ffn + ffn + c];
  }
}

// ---- fp32 to bf16 (round to nearest even), n elements ----
extern "C" __global__ void rt_to_bf16(const float* __restrict__ in, __nv_bfloat16* __restrict__ out, long long n) {
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
    out[i] = __float2bfloat16_rn(in[i]);
}

// ---- Copies rows [from, from + rows) of src [..][dim] to dst [rows][dim], fp32 ----
extern "C" __global__ void rt_copy_rows(const float* __restrict__ src, float* __restrict__ dst, int from, int rows,
                                        int dim) {
  const long long total = (long long)rows * dim;
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total;
       i += (long long)gridDim.x * blockDim.x)
    dst[i] = src[(long long)from * dim + i];
}

// ---- Rotary embedding in place on fp32 heads, rotate-half layout, from tables cos/sin [position][hd/2] ----
// Heads [0, heads) of each row of rowStride floats start at element offset; the token t is at position pos0 + t.
//   out[i] = x[i] cos - x[i + hd/2] sin,  out[i + hd/2] = x[i + hd/2] cos + x[i] sin
extern "C" __global__ void rt_rope_f32(float* __restrict__ x, const float* __restrict__ cosTable,
                                       const float* __restrict__ sinTable, int pos0, int tokens, int heads,
                                       int headDim, int rowStride, int offset) {
  const int half = headDim / 2;
  const long long total = (long long)tokens * heads * half;
  for (long long idx = blockIdx.x * (long long)blockDim.x + threadIdx.x; idx < total;
       idx += (long long)gridDim.x * blockDim.x) {
    const int i = (int)(idx % half);
    const long long th = idx / half;
    const int head = (int)(th % heads), t = (int)(th / heads);
    const size_t angle = (size_t)(pos0 + t) * half + i;
    const float c = cosTable[angle], s = sinTable[angle];
    float* a = x + (size_t)t * rowStride + offset + (size_t)head * headDim + i;
    const float x1 = a[0], x2 = a[half];
    a[0] = x1 * c - x2 * s;
    a[half] = x2 * c + x1 * s;
  }
}

// ---- Appends the chunk's keys and values to the cache: position pos0 + t goes to its slot if it is still held
// after `end` tokens (KvSlots.held), so a ring never receives two positions of one slot in one call ----
extern "C" __global__ void rt_kv_append(const float* __restrict__ qkv, float* __restrict__ cacheK,
                                        float* __restrict__ cacheV, const int* __restrict__ sink,
                                        const int* __restrict__ window, int pos0, int tokens, int end, int heads,
                                        int kvHeads, int headDim, int capacity) {
  const int rowStride = (heads + 2 * kvHeads) * headDim;
  const long long total = (long long)tokens * kvHeads * headDim;
  for (long long idx = blockIdx.x * (long long)blockDim.x + threadIdx.x; idx < total;
       idx += (long long)gridDim.x * blockDim.x) {
    const int d = (int)(idx % headDim);
    const long long tk = idx / headDim;
    const int kvh = (int)(tk % kvHeads), t = (int)(tk / kvHeads);
    const int pos = pos0 + t, s = sink[kvh], w = window[kvh];
    const bool held = w == 0 || pos < s || end - pos < w + 1;
    if (!held) continue;
    const size_t dst = ((size_t)kvh * capacity + slot_of(pos, s, w)) * headDim + d;
    const float* row = qkv + (size_t)t * rowStride;
    cacheK[dst] = row[(heads + kvh) * headDim + d];
    cacheV[dst] = row[(heads + kvHeads + kvh) * headDim + d];
  }
}

// ---- Grows a layer's cache: old [KV][oldCap][hd] into new [KV][newCap][hd] (slots kept) ----
extern "C" __global__ void rt_cache_grow(const float* __restrict__ oldBuf, float* __restrict__ newBuf, int kvHeads,
                                         int oldCap, int newCap, int headDim) {
  const long long total = (long long)kvHeads * oldCap * headDim;
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total;
       i += (long long)gridDim.x * blockDim.x) {
    const long long perHead = (long long)oldCap * headDim;
    const long long h = i / perHead, rest = i % perHead;
    newBuf[h * newCap * headDim + rest] = oldBuf[i];
  }
}

// ---- Attention of the chunk's queries: out[t][h*hd ..] for query t (position pos0 + t) and head h ----
// One warp per (token, query head), 4 warps per CTA: grid (T, ceil(H / 4)). The warp walks the keys its KV head's
// pattern lets it see, in position order, with an online softmax (running max m, sum l, and the weighted sum of
// values, lane holding dims lane, lane + 32, ...; hd <= 256). Keys at positions >= pos0 come from the chunk's own
// qkv rows, earlier ones from the cache, which holds (before this call's append) every position a query of this
// chunk may see. No T x T matrix exists anywhere.
constexpr int ATT_WARPS = 4, ATT_MAX_PER_LANE = 8;
extern "C" __global__ void __launch_bounds__(ATT_WARPS * 32)
    rt_attention_f32(const float* __restrict__ qkv, const float* __restrict__ cacheK,
                     const float* __restrict__ cacheV, const int* __restrict__ sink, const int* __restrict__ window,
                     float* __restrict__ out, int pos0, int heads, int kvHeads, int headDim, int capacity,
                     float scale) {
  const int lane = threadIdx.x & 31;
  const int head = blockIdx.y * ATT_WARPS + (threadIdx.x >> 5);
  if (head >= heads) return;
  const int t = blockIdx.x, pos = pos0 + t;
  const int kvh = head / (heads / kvHeads);
  const int s = sink[kvh], w = window[kvh];
  const int rowStride = (heads + 2 * kvHeads) * headDim;
  const float* qrow = qkv + (size_t)t * rowStride + (size_t)head * headDim;
  float q[ATT_MAX_PER_LANE], acc[ATT_MAX_PER_LANE];
#pragma unroll
  for (int j = 0; j < ATT_MAX_PER_LANE; ++j) {
    const int d = lane + 32 * j;
    q[j] = d < headDim ? qrow[d] : 0.f;
    acc[j] = 0.f;
  }
  float m = HR_NEG_INF, l = 0.f;
  // visible keys: [0, sinkEnd) then [windowStart, pos]
  const int sinkEnd = w == 0 ? 0 : min(s, pos + 1);
  const int windowStart = w == 0 ? 0 : max(s, pos - w + 1);
  for (int key = 0; key <= pos; ++key) {
    if (key == sinkEnd && key < windowStart) key = windowStart;
    const float *kp, *vp;
    if (key >= pos0) {
      const float* row = qkv + (size_t)(key - pos0) * rowStride;
      kp = row + (size_t)(heads + kvh) * headDim;
      vp = row + (size_t)(heads + kvHeads + kvh) * headDim;
    } else {
      const size_t at = ((size_t)kvh * capacity + slot_of(key, s, w)) * headDim;
      kp = cacheK + at;
      vp = cacheV + at;
    }
    float dot = 0.f;
#pragma unroll
    for (int j = 0; j < ATT_MAX_PER_LANE; ++j) {
      const int d = lane + 32 * j;
      if (d < headDim) dot += q[j] * kp[d];
    }
    const float score = warp_sum(dot) * scale;
    const float mNew = fmaxf(m, score);
    const float correction = expf(m - mNew), p = expf(score - mNew);
    l = l * correction + p;
#pragma unroll
    for (int j = 0; j < ATT_MAX_PER_LANE; ++j) {
      const int d = lane + 32 * j;
      if (d < headDim) acc[j] = acc[j] * correction + p * vp[d];
    }
    m = mNew;
  }
  float* orow = out + (size_t)t * heads * headDim + (size_t)head * headDim;
#pragma unroll
  for (int j = 0; j < ATT_MAX_PER_LANE; ++j) {
    const int d = lane + 32 * j;
    if (d < headDim) orow[d] = acc[j] / l;
  }
}

// ---- The bf16 KV path (Bf16KvAttention): fused fp32 qkv rows to bf16 head-major tensors ----
// qkv [T][(H + 2 KV) hd] fp32 (roped) -> q [H][T][hd], k [KV][T][hd], v [KV][T][hd] bf16: the layouts of the flash
// prefill kernels; with T = 1, q is the decode kernels' [H][hd] and k, v the cache append's [KV][hd].
extern "C" __global__ void rt_split_qkv_bf16(const float* __restrict__ qkv, __nv_bfloat16* __restrict__ q,
                                             __nv_bfloat16* __restrict__ k, __nv_bfloat16* __restrict__ v,
                                             int tokens, int heads, int kvHeads, int headDim) {
  const int rowStride = (heads + 2 * kvHeads) * headDim;
  const long long total = (long long)tokens * rowStride;
  for (long long idx = blockIdx.x * (long long)blockDim.x + threadIdx.x; idx < total;
       idx += (long long)gridDim.x * blockDim.x) {
    const long long t = idx / rowStride;
    const int c = (int)(idx % rowStride), head = c / headDim, d = c % headDim;
    const __nv_bfloat16 value = __float2bfloat16_rn(qkv[idx]);
    if (head < heads)
      q[((size_t)head * tokens + t) * headDim + d] = value;
    else if (head < heads + kvHeads)
      k[((size_t)(head - heads) * tokens + t) * headDim + d] = value;
    else
      v[((size_t)(head - heads - kvHeads) * tokens + t) * headDim + d] = value;
  }
}

// ---- Head-major attention output to token rows: in [H][T][hd] -> out [T][H hd], bf16 ----
extern "C" __global__ void rt_heads_to_rows_bf16(const __nv_bfloat16* __restrict__ in, __nv_bfloat16* __restrict__ out,
                                                 int tokens, int heads, int headDim) {
  const long long total = (long long)tokens * heads * headDim;
  for (long long idx = blockIdx.x * (long long)blockDim.x + threadIdx.x; idx < total;
       idx += (long long)gridDim.x * blockDim.x) {
    const int d = (int)(idx % headDim);
    const long long th = idx / headDim;
    const int head = (int)(th % heads);
    const long long t = th / heads;
    out[idx] = in[((size_t)head * tokens + t) * headDim + d];
  }
}

// ---- positions[i] += 1 for i < n: the end of a captured decode step ----
extern "C" __global__ void rt_advance_positions(int* positions, int n) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) positions[i] += 1;
}
