// Decode attention over a KIVI-quantized KV cache (2 or 4 bits), dequantization fused into the split-K loop.
//
// KIVI: keys are quantized per channel over groups of KEY_GROUP tokens, values per token over groups of
// VALUE_GROUP channels, asymmetric (x = code * scale + zero). The newest tokens stay in bf16 (the residual).
// Layouts per KV head kvh (row-major; W = D * BITS / 32 words per token row, channel c sits in word
// c / (32 / BITS) at bit (c % (32 / BITS)) * BITS):
//   kCodes [numKvHeads][nqCap][W] u32    kScale, kZero [numKvHeads][nqCap / KEY_GROUP][D] bf16
//   vCodes [numKvHeads][nqCap][W] u32    vScale, vZero [numKvHeads][nqCap][D / VALUE_GROUP] bf16
//   kRes, vRes [numKvHeads][resCap][D] bf16, of which the first `residual` rows hold data
// nq (quantized tokens, a multiple of KEY_GROUP) and residual are the same for every head.
//
// Scores never build dequantized keys: with qs = q * scale (per channel, per token group) and cz = q . zero,
// q . k = qs . code + cz. Values likewise: p * (code * s + z) summed = (p s) * code + p z.
// Grid (numKvHeads, nqSplits + 1): splits [0, nqSplits) are quantized, split nqSplits is the bf16 residual.
#include "decode_common.cuh"

#define KEY_GROUP 32
#define VALUE_GROUP 32

namespace {

template <int BITS, int D, int GROUP>
__device__ void kivi_quantized_split(const __nv_bfloat16* __restrict__ qGroup, const uint32_t* __restrict__ kCodes,
                                     const __nv_bfloat16* __restrict__ kScale, const __nv_bfloat16* __restrict__ kZero,
                                     const uint32_t* __restrict__ vCodes, const __nv_bfloat16* __restrict__ vScale,
                                     const __nv_bfloat16* __restrict__ vZero, int n, float scaleLog2, float* scores,
                                     int splitCap, float* qShared, float* reduceBuf, float* stats, float* partO,
                                     float* partM, float* partL, int partStride) {
  constexpr int W = D * BITS / 32;         // words per token row
  constexpr int PER_WORD = 32 / BITS;      // channels per word
  constexpr int TPK = W;                   // lanes per token row, one word each
  constexpr int KPW = 32 / TPK;            // token rows per warp step
  constexpr int STEPS = KEY_GROUP / KPW;   // warp steps per token group
  constexpr uint32_t MASK = (1u << BITS) - 1;
  constexpr int WARPS = HR_DECODE_THREADS / 32;
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const int part = lane % TPK, keyLane = lane / TPK;
  const int c0 = part * PER_WORD;  // first channel of this lane's word
  const int groups = n / KEY_GROUP;

  for (int i = threadIdx.x; i < GROUP * D; i += HR_DECODE_THREADS) qShared[i] = __bfloat162float(qGroup[i]);
  __syncthreads();

  // Scores: a warp takes whole token groups, so the per-channel key scales are loaded once per group.
  for (int tg = warp; tg < groups; tg += WARPS) {
    float qs[GROUP][PER_WORD], cz[GROUP];
#pragma unroll
    for (int gh = 0; gh < GROUP; ++gh) cz[gh] = 0.f;
#pragma unroll
    for (int c = 0; c < PER_WORD; ++c) {
      const float s = __bfloat162float(kScale[(size_t)tg * D + c0 + c]);
      const float z = __bfloat162float(kZero[(size_t)tg * D + c0 + c]);
#pragma unroll
      for (int gh = 0; gh < GROUP; ++gh) {
        const float qv = qShared[gh * D + c0 + c];
        qs[gh][c] = qv * s;
        cz[gh] = fmaf(qv, z, cz[gh]);
      }
    }
#pragma unroll
    for (int gh = 0; gh < GROUP; ++gh)
#pragma unroll
      for (int o = TPK / 2; o > 0; o >>= 1) cz[gh] += __shfl_xor_sync(0xffffffffu, cz[gh], o);

    uint32_t words[STEPS];
#pragma unroll
    for (int st = 0; st < STEPS; ++st)
      words[st] = kCodes[(size_t)(tg * KEY_GROUP + st * KPW + keyLane) * W + part];
#pragma unroll
    for (int st = 0; st < STEPS; ++st) {
      float dot[GROUP];
#pragma unroll
      for (int gh = 0; gh < GROUP; ++gh) dot[gh] = 0.f;
#pragma unroll
      for (int c = 0; c < PER_WORD; ++c) {
        const float code = (float)((words[st] >> (c * BITS)) & MASK);
#pragma unroll
        for (int gh = 0; gh < GROUP; ++gh) dot[gh] = fmaf(qs[gh][c], code, dot[gh]);
      }
      const int token = tg * KEY_GROUP + st * KPW + keyLane;
#pragma unroll
      for (int gh = 0; gh < GROUP; ++gh) {
#pragma unroll
        for (int o = TPK / 2; o > 0; o >>= 1) dot[gh] += __shfl_xor_sync(0xffffffffu, dot[gh], o);
        if (part == 0) scores[gh * splitCap + token] = (dot[gh] + cz[gh]) * scaleLog2;
      }
    }
  }
  __syncthreads();
  softmax_split(scores, splitCap, n, GROUP, stats);
  __syncthreads();

  // Values: acc = sum (p * scale) * code per channel, zacc = sum p * zero for the lane's channel group.
  float acc[GROUP][PER_WORD], zacc[GROUP];
#pragma unroll
  for (int gh = 0; gh < GROUP; ++gh) {
    zacc[gh] = 0.f;
#pragma unroll
    for (int c = 0; c < PER_WORD; ++c) acc[gh][c] = 0.f;
  }
  const int channelGroup = c0 / VALUE_GROUP;
  for (int tg = warp; tg < groups; tg += WARPS) {
    uint32_t words[STEPS];
    float vs[STEPS], vz[STEPS];
#pragma unroll
    for (int st = 0; st < STEPS; ++st) {
      const size_t token = (size_t)tg * KEY_GROUP + st * KPW + keyLane;
      words[st] = vCodes[token * W + part];
      vs[st] = __bfloat162float(vScale[token * (D / VALUE_GROUP) + channelGroup]);
      vz[st] = __bfloat162float(vZero[token * (D / VALUE_GROUP) + channelGroup]);
    }
#pragma unroll
    for (int st = 0; st < STEPS; ++st) {
      const int token = tg * KEY_GROUP + st * KPW + keyLane;
      float ps[GROUP];
#pragma unroll
      for (int gh = 0; gh < GROUP; ++gh) {
        const float p = scores[gh * splitCap + token];
        ps[gh] = p * vs[st];
        zacc[gh] = fmaf(p, vz[st], zacc[gh]);
      }
#pragma unroll
      for (int c = 0; c < PER_WORD; ++c) {
        const float code = (float)((words[st] >> (c * BITS)) & MASK);
#pragma unroll
        for (int gh = 0; gh < GROUP; ++gh) acc[gh][c] = fmaf(ps[gh], code, acc[gh][c]);
      }
    }
  }
  // Reduce over the key lanes of the warp, then over warps through smem.
#pragma unroll
  for (int gh = 0; gh < GROUP; ++gh) {
#pragma unroll
    for (int c = 0; c < PER_WORD; ++c) {
      float x = acc[gh][c] + zacc[gh];
#pragma unroll
      for (int o = 16; o >= TPK; o >>= 1) x += __shfl_xor_sync(0xffffffffu, x, o);
      acc[gh][c] = x;
    }
  }
  if (lane < TPK) {
#pragma unroll
    for (int gh = 0; gh < GROUP; ++gh)
#pragma unroll
      for (int c = 0; c < PER_WORD; ++c) reduceBuf[(warp * HR_MAX_GROUP + gh) * D + c0 + c] = acc[gh][c];
  }
  __syncthreads();
  for (int i = threadIdx.x; i < GROUP * D; i += HR_DECODE_THREADS) {
    const int gh = i / D, d = i % D;
    float x = 0.f;
#pragma unroll
    for (int w = 0; w < WARPS; ++w) x += reduceBuf[(w * HR_MAX_GROUP + gh) * D + d];
    partO[(size_t)gh * partStride * D + d] = x;
  }
  if (threadIdx.x < GROUP) {
    partM[(size_t)threadIdx.x * partStride] = stats[2 * threadIdx.x];
    partL[(size_t)threadIdx.x * partStride] = stats[2 * threadIdx.x + 1];
  }
}

template <int BITS, int D, int GROUP>
__device__ void kivi_partial(const __nv_bfloat16* q, const uint32_t* kCodes, const __nv_bfloat16* kScale,
                             const __nv_bfloat16* kZero, const uint32_t* vCodes, const __nv_bfloat16* vScale,
                             const __nv_bfloat16* vZero, const __nv_bfloat16* kRes, const __nv_bfloat16* vRes,
                             int nq, int nqCap, int residual, int resCap, int splitLen, int maxSplits, float scaleLog2,
                             float* partO, float* partM, float* partL) {
  extern __shared__ float scores[];  // GROUP * max(splitLen, resCap)
  __shared__ float reduceBuf[(HR_DECODE_THREADS / 32) * HR_MAX_GROUP * D];
  __shared__ float qShared[GROUP * D];
  __shared__ float stats[2 * HR_MAX_GROUP];
  constexpr int W = D * BITS / 32;
  const int kvh = blockIdx.x, split = blockIdx.y;
  const int nqSplits = (nq + splitLen - 1) / splitLen;
  const int head0 = kvh * GROUP;
  const __nv_bfloat16* qGroup = q + (size_t)head0 * D;
  float* o = partO + ((size_t)head0 * maxSplits + split) * D;
  float* m = partM + (size_t)head0 * maxSplits + split;
  float* l = partL + (size_t)head0 * maxSplits + split;
  const int splitCap = max(splitLen, resCap);
  if (split < nqSplits) {
    const int start = split * splitLen;
    const int n = min(splitLen, nq - start);
    const size_t row0 = (size_t)kvh * nqCap + start;
    kivi_quantized_split<BITS, D, GROUP>(
        qGroup, kCodes + row0 * W, kScale + (row0 / KEY_GROUP) * D, kZero + (row0 / KEY_GROUP) * D,
        vCodes + row0 * W, vScale + row0 * (D / VALUE_GROUP), vZero + row0 * (D / VALUE_GROUP), n, scaleLog2, scores,
        splitCap, qShared, reduceBuf, stats, o, m, l, maxSplits);
  } else if (split == nqSplits && residual > 0) {
    const size_t row0 = (size_t)kvh * resCap;
    bf16_split_partial<D>(qGroup, kRes + row0 * D, vRes + row0 * D, residual, GROUP, scaleLog2, scores, splitCap,
                          reduceBuf, stats, o, m, l, maxSplits);
  }
}

}  // namespace

#define HR_KIVI_PARTIAL(BITS, D, GROUP)                                                                            \
  extern "C" __global__ void __launch_bounds__(HR_DECODE_THREADS) kivi_decode_partial_b##BITS##_d##D##_g##GROUP(  \
      const __nv_bfloat16* q, const uint32_t* kCodes, const __nv_bfloat16* kScale, const __nv_bfloat16* kZero,     \
      const uint32_t* vCodes, const __nv_bfloat16* vScale, const __nv_bfloat16* vZero, const __nv_bfloat16* kRes,  \
      const __nv_bfloat16* vRes, int nq, int nqCap, int residual, int resCap, int splitLen, int maxSplits,         \
      float scaleLog2, float* partO, float* partM, float* partL) {                                                \
    kivi_partial<BITS, D, GROUP>(q, kCodes, kScale, kZero, vCodes, vScale, vZero, kRes, vRes, nq, nqCap, residual, \
                                 resCap, splitLen, maxSplits, scaleLog2, partO, partM, partL);                    \
  }
#define HR_KIVI_GROUPS(BITS, D) \
  HR_KIVI_PARTIAL(BITS, D, 1) HR_KIVI_PARTIAL(BITS, D, 2) HR_KIVI_PARTIAL(BITS, D, 4) HR_KIVI_PARTIAL(BITS, D, 8)
HR_KIVI_GROUPS(2, 64)
HR_KIVI_GROUPS(2, 128)
HR_KIVI_GROUPS(4, 64)
HR_KIVI_GROUPS(4, 128)

// Grid numHeads, block min(D, 128) threads.
extern "C" __global__ void kivi_decode_combine(const float* partO, const float* partM, const float* partL, int nq,
                                               int residual, int splitLen, int D, int maxSplits, __nv_bfloat16* out) {
  const int splits = (nq + splitLen - 1) / splitLen + (residual > 0 ? 1 : 0);
  decode_combine_impl(partO, partM, partL, splits, out, D, maxSplits);
}
