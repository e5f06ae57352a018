// Decode attention over a per-KV-head compressed cache, split-K (flash-decoding).
//
// Each KV head owns a region of the cache buffers starting at row slotOffset[kvh] ([rows][D] bf16, keys and values
// apart). A streaming head (window > 0) keeps the first `sink` tokens, then a ring buffer of `window` slots:
// token p >= sink lives in slot sink + (p - sink) % window. A retrieval head (window == 0) keeps every token.
// Softmax does not care about the order of the slots, so decode reads slots [0, valid) of each head, where
// valid = tokens for retrieval heads and min(tokens, sink + window) for streaming heads: its time does not grow
// with the sequence once the ring is full.
#include "decode_common.cuh"

__device__ __forceinline__ int valid_slots(int tokens, int sink, int window) {
  return window <= 0 ? tokens : min(tokens, sink + window);
}

// Grid (numKvHeads, maxSplits), HR_DECODE_THREADS threads, dynamic smem: group * splitLen floats of scores.
template <int D>
__device__ void compressed_partial(const __nv_bfloat16* q, const __nv_bfloat16* kCache, const __nv_bfloat16* vCache,
                                   const long long* slotOffset, const int* sinks, const int* windows, int tokens,
                                   int numHeads, int numKvHeads, int splitLen, int maxSplits, float scaleLog2,
                                   float* partO, float* partM, float* partL) {
  extern __shared__ float scores[];
  __shared__ float reduceBuf[(HR_DECODE_THREADS / 32) * HR_MAX_GROUP * D];
  __shared__ float stats[2 * HR_MAX_GROUP];
  const int kvh = blockIdx.x, split = blockIdx.y;
  const int group = numHeads / numKvHeads;
  const int valid = valid_slots(tokens, sinks[kvh], windows[kvh]);
  const int start = split * splitLen;
  if (start >= valid) return;
  const int n = min(splitLen, valid - start);
  const size_t row0 = (size_t)slotOffset[kvh] + start;
  const int head0 = kvh * group;
  bf16_split_partial<D>(q + (size_t)head0 * D, kCache + row0 * D, vCache + row0 * D, n, group, scaleLog2, scores,
                        splitLen, reduceBuf, stats, partO + ((size_t)head0 * maxSplits + split) * D,
                        partM + (size_t)head0 * maxSplits + split, partL + (size_t)head0 * maxSplits + split,
                        maxSplits);
}

#define HR_COMPRESSED_PARTIAL(D)                                                                                  \
  extern "C" __global__ void __launch_bounds__(HR_DECODE_THREADS) compressed_decode_partial_d##D(                \
      const __nv_bfloat16* q, const __nv_bfloat16* kCache, const __nv_bfloat16* vCache, const long long* slotOffset, \
      const int* sinks, const int* windows, int tokens, int numHeads, int numKvHeads, int splitLen, int maxSplits, \
      float scaleLog2, float* partO, float* partM, float* partL) {                                               \
    compressed_partial<D>(q, kCache, vCache, slotOffset, sinks, windows, tokens, numHeads, numKvHeads, splitLen,  \
                          maxSplits, scaleLog2, partO, partM, partL);                                            \
  }
HR_COMPRESSED_PARTIAL(64)
HR_COMPRESSED_PARTIAL(128)

// The tensor-core partial (issue 15). One warp walks blocks of 16 keys (warp w takes blocks w, w + 4, ...) with
// an online softmax, its query heads as the rows of mma.sync m16n8k16 (rows past the group and rows 8-15 are zero):
//   S = Q K^T: 2 n-tiles of 8 keys, D / 16 k-steps. The reduction index d is permuted so that each thread reads
//     its K row with 16-byte loads: thread (g, t) of a quad reads key base + 8r + g, elements 32i + 8t + [0, 8),
//     and k-step j takes words (2h, 2h + 1) of load i = j / 2, h = j % 2, as b0b1 / b2b3; Q is read the same way.
//   O += P V: P straight from S's accumulators (the C layout is the A layout), D / 8 n-tiles. Channel n of n-tile j
//     is d = 64 (j / 8) + 8 n + j % 8, so thread (g, t) reads keys base + 2t, +1, +8, +9 at elements 64v + 8g + [0, 8)
//     with 16-byte loads and packs b0b1 / b2b3 of two keys with one byte-permute.
// Every thread has its K and V loads of a block in flight together (128 bytes of each per thread, 8 KB per warp).
// The warps then merge through smem into the same partial (m, l, o) as bf16_split_partial.
#define HR_MMA_WARPS (HR_DECODE_THREADS / 32)

// c0, c1 += A B for the rows g of an m16n8k16 whose rows 8-15 are zero: a0 = (row g, k 2t..2t+1), a2 = (row g,
// k 2t+8..2t+9). The zero rows' accumulators are dead temporaries, so they take no registers across the loop.
__device__ __forceinline__ void mma_rows8(float& c0, float& c1, uint32_t a0, uint32_t a2, uint32_t b0, uint32_t b1) {
  float d2, d3;
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
      "{%10,%11,%12,%13};\n"
      : "=f"(c0), "=f"(c1), "=f"(d2), "=f"(d3)
      : "r"(a0), "r"(0u), "r"(a2), "r"(0u), "r"(b0), "r"(b1), "f"(c0), "f"(c1), "f"(0.f), "f"(0.f));
}

__device__ __forceinline__ uint32_t word_of(const uint4& v, int w) {
  return w == 0 ? v.x : w == 1 ? v.y : w == 2 ? v.z : v.w;
}

template <int D>
__device__ void bf16_split_partial_mma(const __nv_bfloat16* __restrict__ qGroup,
                                       const __nv_bfloat16* __restrict__ kRows,
                                       const __nv_bfloat16* __restrict__ vRows, int n, int group, float scaleLog2,
                                       float* partO, float* partM, float* partL, int partStride) {
  constexpr int KL = D / 32, KS = D / 16, VL = D / 64, NT = D / 8, OSTRIDE = D + 4;
  __shared__ float oBuf[HR_MMA_WARPS * HR_MAX_GROUP * OSTRIDE];
  __shared__ float mBuf[HR_MMA_WARPS * HR_MAX_GROUP], lBuf[HR_MMA_WARPS * HR_MAX_GROUP];
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;

  uint32_t qa[KS][2];
#pragma unroll
  for (int i = 0; i < KL; ++i) {
    const uint4 v = g < group ? *reinterpret_cast<const uint4*>(qGroup + g * D + 32 * i + 8 * t) : make_uint4(0, 0, 0, 0);
    qa[2 * i][0] = v.x; qa[2 * i][1] = v.y; qa[2 * i + 1][0] = v.z; qa[2 * i + 1][1] = v.w;
  }
  float acc[NT][2];
#pragma unroll
  for (int j = 0; j < NT; ++j) acc[j][0] = acc[j][1] = 0.f;
  float m = HR_NEG_INF, l = 0.f;

  for (int base = warp * 16; base < n; base += 16 * HR_MMA_WARPS) {
    uint4 kr[2][KL], vr[4][VL];
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      const int key = base + 8 * r + g;
#pragma unroll
      for (int i = 0; i < KL; ++i)
        kr[r][i] = key < n ? *reinterpret_cast<const uint4*>(kRows + (size_t)key * D + 32 * i + 8 * t)
                           : make_uint4(0, 0, 0, 0);
    }
#pragma unroll
    for (int r = 0; r < 4; ++r) {
      const int key = base + (r >> 1) * 8 + 2 * t + (r & 1);
#pragma unroll
      for (int v = 0; v < VL; ++v)
        vr[r][v] = key < n ? *reinterpret_cast<const uint4*>(vRows + (size_t)key * D + 64 * v + 8 * g)
                           : make_uint4(0, 0, 0, 0);
    }
    float s[2][2] = {{0.f, 0.f}, {0.f, 0.f}};
#pragma unroll
    for (int j = 0; j < KS; ++j) {
      const int i = j / 2, h = j % 2;
#pragma unroll
      for (int r = 0; r < 2; ++r)
        mma_rows8(s[r][0], s[r][1], qa[j][0], qa[j][1], word_of(kr[r][i], 2 * h), word_of(kr[r][i], 2 * h + 1));
    }
    // s[r][e]: head g, key base + 8r + 2t + e
    float p[4];
#pragma unroll
    for (int r = 0; r < 2; ++r)
#pragma unroll
      for (int e = 0; e < 2; ++e) p[2 * r + e] = base + 8 * r + 2 * t + e < n ? s[r][e] * scaleLog2 : HR_NEG_INF;
    float bm = fmaxf(fmaxf(p[0], p[1]), fmaxf(p[2], p[3]));
    bm = fmaxf(bm, __shfl_xor_sync(0xffffffffu, bm, 1));
    bm = fmaxf(bm, __shfl_xor_sync(0xffffffffu, bm, 2));
    const float mNew = fmaxf(m, bm);  // finite: key base < n is in every block
    const float rescale = exp2f(m - mNew);
    m = mNew;
#pragma unroll
    for (int e = 0; e < 4; ++e) p[e] = exp2f(p[e] - mNew);
    l = fmaf(l, rescale, (p[0] + p[1]) + (p[2] + p[3]));
    const uint32_t pa0 = pack_bf16x2(p[0], p[1]), pa2 = pack_bf16x2(p[2], p[3]);
#pragma unroll
    for (int j = 0; j < NT; ++j) {
      const int v = j / 8, w = (j % 8) / 2;
      const unsigned sel = (j & 1) ? 0x7632u : 0x5410u;
      const uint32_t b0 = __byte_perm(word_of(vr[0][v], w), word_of(vr[1][v], w), sel);
      const uint32_t b1 = __byte_perm(word_of(vr[2][v], w), word_of(vr[3][v], w), sel);
      acc[j][0] *= rescale;
      acc[j][1] *= rescale;
      mma_rows8(acc[j][0], acc[j][1], pa0, pa2, b0, b1);
    }
  }
  l += __shfl_xor_sync(0xffffffffu, l, 1);
  l += __shfl_xor_sync(0xffffffffu, l, 2);
  if (t == 0) { mBuf[warp * HR_MAX_GROUP + g] = m; lBuf[warp * HR_MAX_GROUP + g] = l; }
  __syncthreads();
  float mAll = HR_NEG_INF;
#pragma unroll
  for (int w = 0; w < HR_MMA_WARPS; ++w) mAll = fmaxf(mAll, mBuf[w * HR_MAX_GROUP + g]);
  const float weight = m == HR_NEG_INF ? 0.f : exp2f(m - mAll);  // a warp that saw no key weighs nothing
  float* o = oBuf + (warp * HR_MAX_GROUP + g) * OSTRIDE;
#pragma unroll
  for (int j = 0; j < NT; ++j) {  // accumulator (head g, n = 2t + e) is channel 64 (j / 8) + 8 n + j % 8
    o[64 * (j / 8) + 16 * t + j % 8] = acc[j][0] * weight;
    o[64 * (j / 8) + 16 * t + 8 + j % 8] = acc[j][1] * weight;
  }
  __syncthreads();
  for (int i = threadIdx.x; i < group * D; i += HR_DECODE_THREADS) {
    const int gh = i / D, d = i % D;
    float x = 0.f;
#pragma unroll
    for (int w = 0; w < HR_MMA_WARPS; ++w) x += oBuf[(w * HR_MAX_GROUP + gh) * OSTRIDE + d];
    partO[(size_t)gh * partStride * D + d] = x;
  }
  if (threadIdx.x < group) {
    float mh = HR_NEG_INF, lh = 0.f;
#pragma unroll
    for (int w = 0; w < HR_MMA_WARPS; ++w) mh = fmaxf(mh, mBuf[w * HR_MAX_GROUP + threadIdx.x]);
#pragma unroll
    for (int w = 0; w < HR_MMA_WARPS; ++w) {
      const float mw = mBuf[w * HR_MAX_GROUP + threadIdx.x];
      if (mw != HR_NEG_INF) lh = fmaf(lBuf[w * HR_MAX_GROUP + threadIdx.x], exp2f(mw - mh), lh);
    }
    partM[(size_t)threadIdx.x * partStride] = mh;
    partL[(size_t)threadIdx.x * partStride] = lh;
  }
}

// Grid (numKvHeads, maxSplits), HR_DECODE_THREADS threads, no dynamic smem: the tensor-core partial, same
// arguments and partial layout as compressed_decode_partial_d*.
template <int D>
__device__ void compressed_partial_mma(const __nv_bfloat16* q, const __nv_bfloat16* kCache,
                                       const __nv_bfloat16* vCache, const long long* slotOffset, const int* sinks,
                                       const int* windows, int tokens, int numHeads, int numKvHeads, int splitLen,
                                       int maxSplits, float scaleLog2, float* partO, float* partM, float* partL) {
  const int kvh = blockIdx.x, split = blockIdx.y;
  const int group = numHeads / numKvHeads;
  const int valid = valid_slots(tokens, sinks[kvh], windows[kvh]);
  const int start = split * splitLen;
  if (start >= valid) return;
  const int n = min(splitLen, valid - start);
  const size_t row0 = (size_t)slotOffset[kvh] + start;
  const int head0 = kvh * group;
  bf16_split_partial_mma<D>(q + (size_t)head0 * D, kCache + row0 * D, vCache + row0 * D, n, group, scaleLog2,
                            partO + ((size_t)head0 * maxSplits + split) * D, partM + (size_t)head0 * maxSplits + split,
                            partL + (size_t)head0 * maxSplits + split, maxSplits);
}

#define HR_COMPRESSED_PARTIAL_MMA(D)                                                                              \
  extern "C" __global__ void __launch_bounds__(HR_DECODE_THREADS, 3) compressed_decode_partial_mma_d##D(         \
      const __nv_bfloat16* q, const __nv_bfloat16* kCache, const __nv_bfloat16* vCache, const long long* slotOffset, \
      const int* sinks, const int* windows, int tokens, int numHeads, int numKvHeads, int splitLen, int maxSplits, \
      float scaleLog2, float* partO, float* partM, float* partL) {                                               \
    compressed_partial_mma<D>(q, kCache, vCache, slotOffset, sinks, windows, tokens, numHeads, numKvHeads,        \
                              splitLen, maxSplits, scaleLog2, partO, partM, partL);                               \
  }
HR_COMPRESSED_PARTIAL_MMA(64)
HR_COMPRESSED_PARTIAL_MMA(128)

// Grid (numHeads, D / HR_COMBINE_SLICE), block HR_COMBINE_THREADS threads.
extern "C" __global__ void compressed_decode_combine(const float* partO, const float* partM, const float* partL,
                                                     const int* sinks, const int* windows, int tokens, int numHeads,
                                                     int numKvHeads, int D, int splitLen, int maxSplits,
                                                     __nv_bfloat16* out) {
  const int kvh = blockIdx.x / (numHeads / numKvHeads);
  const int valid = valid_slots(tokens, sinks[kvh], windows[kvh]);
  decode_combine_impl(partO, partM, partL, (valid + splitLen - 1) / splitLen, out, D, maxSplits);
}

// Writes the key/value of token `position` (kNew, vNew: [numKvHeads][D]) into each head's slot.
// Grid numKvHeads, block D threads.
extern "C" __global__ void compressed_append(__nv_bfloat16* kCache, __nv_bfloat16* vCache, const long long* slotOffset,
                                             const int* sinks, const int* windows, const __nv_bfloat16* kNew,
                                             const __nv_bfloat16* vNew, int position, int D) {
  const int kvh = blockIdx.x, sink = sinks[kvh], window = windows[kvh];
  const int slot = (window <= 0 || position < sink) ? position : sink + (position - sink) % window;
  const size_t dst = ((size_t)slotOffset[kvh] + slot) * D;
  for (int d = threadIdx.x; d < D; d += blockDim.x) {
    kCache[dst + d] = kNew[(size_t)kvh * D + d];
    vCache[dst + d] = vNew[(size_t)kvh * D + d];
  }
}

// Writes the keys/values of positions position0 .. position0 + tokens - 1 (kNew, vNew: [numKvHeads][tokens][D], as
// a prefill holds them) into each head's slots, skipping the positions a streaming head no longer holds once the
// last one is in (so each ring slot is written by one position of the call). Grid (tokens, numKvHeads), D threads.
extern "C" __global__ void compressed_append_rows(__nv_bfloat16* kCache, __nv_bfloat16* vCache,
                                                  const long long* slotOffset, const int* sinks, const int* windows,
                                                  const __nv_bfloat16* kNew, const __nv_bfloat16* vNew, int position0,
                                                  int tokens, int D) {
  const int t = blockIdx.x, kvh = blockIdx.y, sink = sinks[kvh], window = windows[kvh];
  const int position = position0 + t, end = position0 + tokens;
  const bool held = window <= 0 || position < sink || end - position <= window;
  if (!held) return;
  const int slot = (window <= 0 || position < sink) ? position : sink + (position - sink) % window;
  const size_t dst = ((size_t)slotOffset[kvh] + slot) * D, src = ((size_t)kvh * tokens + t) * D;
  for (int d = threadIdx.x; d < D; d += blockDim.x) {
    kCache[dst + d] = kNew[src + d];
    vCache[dst + d] = vNew[src + d];
  }
}

// ---- A decode step of B sequences at once, for a step captured once in a CUDA graph and replayed. The B rows share
// one policy, so one layer's slotOffset, sinks and windows serve every row; row b's caches are at kCaches[b] and
// vCaches[b] (device addresses), and positions[b] is the position of its token (so positions[b] + 1 tokens are held
// once it is appended). The grids are fixed at capture for the longest the caches get in the replays; splits past
// a head's valid slots return at once.

// Rotates row b's q and k heads (rotate-half, cos/sin [position][D/2]) and writes q bf16 into q [B][H][D] and k, v
// bf16 into the slot of positions[b] of row b's caches: RoPE, the bf16 split and the cache append in one pass.
// qkv [B][(H + 2 KV) D] fp32. Grid (H + KV, B), D / 2 threads.
extern "C" __global__ void compressed_rope_append_batch(const float* __restrict__ qkv, const float* __restrict__ cosTable,
                                                        const float* __restrict__ sinTable,
                                                        const int* __restrict__ positions, __nv_bfloat16* __restrict__ q,
                                                        const unsigned long long* __restrict__ kCaches,
                                                        const unsigned long long* __restrict__ vCaches,
                                                        const long long* slotOffset, const int* sinks,
                                                        const int* windows, int numHeads, int numKvHeads, int D) {
  const int head = blockIdx.x, b = blockIdx.y, i = threadIdx.x, half = D / 2;
  const int p = positions[b];
  const float* row = qkv + (size_t)b * (numHeads + 2 * numKvHeads) * D;
  const float c = cosTable[(size_t)p * half + i], s = sinTable[(size_t)p * half + i];
  const float x1 = row[(size_t)head * D + i], x2 = row[(size_t)head * D + i + half];
  const float r1 = x1 * c - x2 * s, r2 = x2 * c + x1 * s;
  if (head < numHeads) {
    __nv_bfloat16* qh = q + ((size_t)b * numHeads + head) * D;
    qh[i] = __float2bfloat16_rn(r1);
    qh[i + half] = __float2bfloat16_rn(r2);
    return;
  }
  const int kvh = head - numHeads, sink = sinks[kvh], window = windows[kvh];
  const int slot = (window <= 0 || p < sink) ? p : sink + (p - sink) % window;
  const size_t dst = ((size_t)slotOffset[kvh] + slot) * D;
  __nv_bfloat16* k = reinterpret_cast<__nv_bfloat16*>(kCaches[b]);
  __nv_bfloat16* v = reinterpret_cast<__nv_bfloat16*>(vCaches[b]);
  const float* vRow = row + (size_t)(numHeads + numKvHeads + kvh) * D;
  k[dst + i] = __float2bfloat16_rn(r1);
  k[dst + i + half] = __float2bfloat16_rn(r2);
  v[dst + i] = __float2bfloat16_rn(vRow[i]);
  v[dst + i + half] = __float2bfloat16_rn(vRow[i + half]);
}

// Split-K partials of every row: grid (KV, splits, B); row b's q at q + b H D, its partials at offset b H maxSplits.
#define HR_COMPRESSED_PARTIAL_BATCH(D)                                                                            \
  extern "C" __global__ void __launch_bounds__(HR_DECODE_THREADS) compressed_decode_partial_batch_d##D(          \
      const __nv_bfloat16* q, const unsigned long long* kCaches, const unsigned long long* vCaches,                \
      const long long* slotOffset, const int* sinks, const int* windows, const int* positions, int numHeads,       \
      int numKvHeads, int splitLen, int maxSplits, float scaleLog2, float* partO, float* partM, float* partL) {    \
    const int b = blockIdx.z;                                                                                     \
    const size_t parts = (size_t)b * numHeads * maxSplits;                                                        \
    compressed_partial<D>(q + (size_t)b * numHeads * D, reinterpret_cast<const __nv_bfloat16*>(kCaches[b]),      \
                          reinterpret_cast<const __nv_bfloat16*>(vCaches[b]), slotOffset, sinks, windows,        \
                          positions[b] + 1, numHeads, numKvHeads, splitLen, maxSplits, scaleLog2,                \
                          partO + parts * D, partM + parts, partL + parts);                                      \
  }
HR_COMPRESSED_PARTIAL_BATCH(64)
HR_COMPRESSED_PARTIAL_BATCH(128)

// The tensor-core partial of every row (compressed_decode_partial_mma_d*, no dynamic smem): grid (KV, splits, B),
// the same arguments and partial layout as compressed_decode_partial_batch_d*.
#define HR_COMPRESSED_PARTIAL_MMA_BATCH(D)                                                                        \
  extern "C" __global__ void __launch_bounds__(HR_DECODE_THREADS, 3) compressed_decode_partial_mma_batch_d##D(   \
      const __nv_bfloat16* q, const unsigned long long* kCaches, const unsigned long long* vCaches,                \
      const long long* slotOffset, const int* sinks, const int* windows, const int* positions, int numHeads,       \
      int numKvHeads, int splitLen, int maxSplits, float scaleLog2, float* partO, float* partM, float* partL) {    \
    const int b = blockIdx.z;                                                                                     \
    const size_t parts = (size_t)b * numHeads * maxSplits;                                                        \
    compressed_partial_mma<D>(q + (size_t)b * numHeads * D, reinterpret_cast<const __nv_bfloat16*>(kCaches[b]),  \
                              reinterpret_cast<const __nv_bfloat16*>(vCaches[b]), slotOffset, sinks, windows,    \
                              positions[b] + 1, numHeads, numKvHeads, splitLen, maxSplits, scaleLog2,            \
                              partO + parts * D, partM + parts, partL + parts);                                  \
  }
HR_COMPRESSED_PARTIAL_MMA_BATCH(64)
HR_COMPRESSED_PARTIAL_MMA_BATCH(128)

// Merges every row's splits into out [B][H][D] (o_proj's input rows): grid (H, D / HR_COMBINE_SLICE, B).
extern "C" __global__ void compressed_decode_combine_batch(const float* partO, const float* partM, const float* partL,
                                                           const int* sinks, const int* windows, const int* positions,
                                                           int numHeads, int numKvHeads, int D, int splitLen,
                                                           int maxSplits, __nv_bfloat16* out) {
  const int b = blockIdx.z, kvh = blockIdx.x / (numHeads / numKvHeads);
  const int valid = valid_slots(positions[b] + 1, sinks[kvh], windows[kvh]);
  const size_t parts = (size_t)b * numHeads * maxSplits;
  decode_combine_impl(partO + parts * D, partM + parts, partL + parts, (valid + splitLen - 1) / splitLen,
                      out + (size_t)b * numHeads * D, D, maxSplits);
}

// table[index] = the address of p: builds the per-row cache address tables of the batched kernels.
extern "C" __global__ void compressed_store_address(unsigned long long* table, int index, const void* p) {
  table[index] = reinterpret_cast<unsigned long long>(p);
}
