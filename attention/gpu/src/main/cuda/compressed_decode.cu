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
