// Decode attention over a KIVI-quantized KV cache (2 or 4 bits), dequantization fused into the split-K loop.
//
// KIVI: keys are quantized per channel over groups of KEY_GROUP tokens, values per token over groups of
// VALUE_GROUP channels, asymmetric (x = code * scale + zero, scale and zero in fp16, as quantize/'s KiviGroups
// stores them). The newest tokens stay in bf16 (the residual).
// Layouts per KV head kvh (row-major; W = D * BITS / 32 words per token, H = 16 / BITS codes per half word):
//   kCodes [numKvHeads][nqCap][W] u32      word j of a token holds channel pairs (2i, 2i + 1) of channels
//                                          [2H j, 2H (j + 1)): the even channel at bit i*BITS, the odd at 16 + i*BITS
//   vCodes [numKvHeads][nqCap / 2][2W] u32 tokens in pairs (2p, 2p + 1): word j holds channels [H j, H (j + 1)),
//                                          token 2p's code of channel H j + i at bit i*BITS,
//                                          token 2p + 1's at bit 16 + i*BITS
//   kScale, kZero [numKvHeads][nqCap / KEY_GROUP][D] fp16 (IEEE half)
//   vScale, vZero [numKvHeads][nqCap][D / VALUE_GROUP] fp16
//   kRes, vRes [numKvHeads][resCap][D] bf16, of which the first `residual` rows hold data
// The pairing is the one the mma fragments want, so one shift and one mask give two codes as bf16x2 halves
// (0x4300 | n is the bf16 of 128 + n; the 128s are taken out of the sums afterwards, exactly).
// nq (quantized tokens, a multiple of KEY_GROUP) and residual are the same for every head.
//
// Scores never build dequantized keys: with qs = q * scale (per channel, per token group) and cz = q . zero,
// q . k = qs . code + cz. Values likewise: p * (code * s + z) summed = (p s) * code + p z.
// Grid (numKvHeads, nqSplits + 1): splits [0, nqSplits) are quantized, split nqSplits is the bf16 residual.
#include <cuda_fp16.h>

#include "decode_common.cuh"

#define KEY_GROUP 32
#define VALUE_GROUP 32

namespace {

// c += a(16x16, row) * b(16x8, col), bf16 operands, fp32 accumulators.
__device__ __forceinline__ void mma_bf16(float* c, uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3, uint32_t b0,
                                         uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
}

// Two codes at bits [0, BITS) and [16, 16 + BITS) of x as bf16x2 holding 128 + code (exact).
template <int BITS>
__device__ __forceinline__ uint32_t biased_pair(uint32_t x) {
  constexpr uint32_t PAIR_MASK = ((1u << BITS) - 1) * 0x10001u;
  return (x & PAIR_MASK) | 0x43004300u;
}

// Loads one token row of packed codes (W words) into registers with 16-byte loads.
template <int W>
__device__ __forceinline__ void load_row(uint32_t* dst, const uint32_t* src) {
#pragma unroll
  for (int i = 0; i < W / 4; ++i) {
    const uint4 v = *reinterpret_cast<const uint4*>(src + 4 * i);
    dst[4 * i] = v.x; dst[4 * i + 1] = v.y; dst[4 * i + 2] = v.z; dst[4 * i + 3] = v.w;
  }
}

// Both phases run on the tensor cores (mma.sync m16n8k16, bf16 codes are exact):
//   scores  S^T[16 tokens][8 heads] = codes[16 tokens][D] . qs[D][8 heads], qs = q * key scale (per token group);
//   values  O^T[16 channels][8 heads] += codes^T[16 channels][16 tokens] . (p * value scale)[16 tokens][8 heads].
// The zero points are added outside the products: cz = q . key zero per head, and sum p * value zero per channel
// group. Query heads beyond GROUP are zero columns. Fragment names follow the PTX ISA: g = lane / 4, t = lane % 4.
#define KIVI_CONSTS                                                                                          \
  static_assert(GROUP <= 8, "one mma n-tile of query heads");                                                \
  constexpr int W = D * BITS / 32;    /* words per token row */                                              \
  constexpr int H = 16 / BITS;        /* codes per half word (4 or 8) */                                     \
  constexpr int KC = D / 16;          /* k-chunks of the score product, m-tiles of the value product */      \
  constexpr int CG = D / VALUE_GROUP; /* value channel groups */                                             \
  constexpr int WARPS = HR_DECODE_THREADS / 32;                                                              \
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;                                                \
  const int g = lane >> 2, t = lane & 3;                                                                     \
  (void)H; (void)KC; (void)CG; (void)W; (void)lane;

__device__ __forceinline__ void fill_q(const __nv_bfloat16* __restrict__ qGroup, float* qShared, int group, int D) {
  for (int i = threadIdx.x; i < 8 * D; i += HR_DECODE_THREADS)
    qShared[i] = i < group * D ? __bfloat162float(qGroup[i]) : 0.f;
}

// Phase 1: the scores of n staged tokens into scores[head * splitCap + token] (log2 units).
template <int BITS, int D, int GROUP>
__device__ void kivi_scores(const uint32_t* __restrict__ kCodes, const __half* __restrict__ kScale,
                            const __half* __restrict__ kZero, int n, float scaleLog2, float* scores, int splitCap,
                            const float* qShared) {
  KIVI_CONSTS
  const int groups = n / KEY_GROUP;
  // Phase 1: scores. A warp takes whole token groups, which share the per-channel key scales.
  for (int tg = warp; tg < groups; tg += WARPS) {
    uint32_t rows[4][W];  // token rows g, g + 8, 16 + g, 24 + g of the group
#pragma unroll
    for (int r = 0; r < 4; ++r) load_row<W>(rows[r], kCodes + (size_t)(tg * KEY_GROUP + g + 8 * r) * W);
    const __half* ks = kScale + (size_t)tg * D;
    const __half* kz = kZero + (size_t)tg * D;
    uint32_t qs[KC][2];  // B fragments: qs[head g][channels kc*16 + t*2 + {0, 1, 8, 9}]
    float cz = 0.f;      // q[g] . zero - 128 * sum(bf16 qs) over this lane's channels
#pragma unroll
    for (int kc = 0; kc < KC; ++kc) {
#pragma unroll
      for (int half = 0; half < 2; ++half) {
        const int c = kc * 16 + half * 8 + t * 2;
        const __half2 sc = *reinterpret_cast<const __half2*>(ks + c);
        const __half2 zp = *reinterpret_cast<const __half2*>(kz + c);
        const float q0 = qShared[g * D + c], q1 = qShared[g * D + c + 1];
        qs[kc][half] = pack_bf16x2(q0 * __low2float(sc), q1 * __high2float(sc));
        cz = fmaf(q0, __low2float(zp), fmaf(q1, __high2float(zp), cz));
        cz = fmaf(-128.f, bf16_lo(qs[kc][half]) + bf16_hi(qs[kc][half]), cz);
      }
    }
    cz += __shfl_xor_sync(0xffffffffu, cz, 1);
    cz += __shfl_xor_sync(0xffffffffu, cz, 2);
    const float cz0 = __shfl_sync(0xffffffffu, cz, (t * 2) * 4);      // head t*2
    const float cz1 = __shfl_sync(0xffffffffu, cz, (t * 2 + 1) * 4);  // head t*2 + 1
#pragma unroll
    for (int blk = 0; blk < 2; ++blk) {
      float acc[4] = {0.f, 0.f, 0.f, 0.f};
#pragma unroll
      for (int kc = 0; kc < KC; ++kc) {
        uint32_t a[4];
#pragma unroll
        for (int i = 0; i < 4; ++i) {  // a0: row g, cols t*2; a1: row g+8; a2: cols +8; a3: both
          const int c = kc * 16 + (i >> 1) * 8;  // first channel of the 8; this lane's pair is c + 2t, c + 2t + 1
          const int pair = (c % (2 * H)) / 2 + t;
          a[i] = biased_pair<BITS>(rows[2 * blk + (i & 1)][c / (2 * H)] >> (pair * BITS));
        }
        mma_bf16(acc, a[0], a[1], a[2], a[3], qs[kc][0], qs[kc][1]);
      }
      const int tok = tg * KEY_GROUP + blk * 16 + g;
      if (t * 2 < GROUP) {
        scores[(t * 2) * splitCap + tok] = (acc[0] + cz0) * scaleLog2;
        scores[(t * 2) * splitCap + tok + 8] = (acc[2] + cz0) * scaleLog2;
      }
      if (t * 2 + 1 < GROUP) {
        scores[(t * 2 + 1) * splitCap + tok] = (acc[1] + cz1) * scaleLog2;
        scores[(t * 2 + 1) * splitCap + tok + 8] = (acc[3] + cz1) * scaleLog2;
      }
    }
  }
}

// Phase 2: values of n staged tokens, weights p = scores (already exp2(s - m)). oAcc[mt] holds
// O^T[channels mt*16 + g (+8)][heads t*2, t*2+1]; zAcc the zero-point sums of head g over this lane's tokens, per
// channel group. Accumulates into both.
template <int BITS, int D, int GROUP>
__device__ void kivi_values(const uint32_t* __restrict__ vCodes, const __half* __restrict__ vScale,
                            const __half* __restrict__ vZero, int n, const float* scores, int splitCap,
                            float (&oAcc)[D / 16][4], float (&zAcc)[D / VALUE_GROUP]) {
  KIVI_CONSTS
  const float* pHead = scores + (g < GROUP ? g : 0) * splitCap;
  const float headLive = g < GROUP ? 1.f : 0.f;
  for (int blk16 = warp; blk16 < n / 16; blk16 += WARPS) {
    const int tb = blk16 * 16;
    const int toks[4] = {tb + t * 2, tb + t * 2 + 1, tb + t * 2 + 8, tb + t * 2 + 9};
    uint32_t pairs[2][2 * W];  // token pairs (t*2, t*2+1) and (t*2+8, t*2+9)
    float p[4];
#pragma unroll
    for (int r = 0; r < 2; ++r) load_row<2 * W>(pairs[r], vCodes + (size_t)(toks[2 * r] / 2) * 2 * W);
#pragma unroll
    for (int r = 0; r < 4; ++r) p[r] = pHead[toks[r]] * headLive;
    uint32_t b[CG][2];  // B fragments per channel group: (p * scale)[tokens t*2, t*2+1 | t*2+8, t*2+9][head g]
#pragma unroll
    for (int cg = 0; cg < CG; ++cg) {
      float ps[4];
#pragma unroll
      for (int r = 0; r < 4; ++r) {
        const float sc = __half2float(vScale[(size_t)toks[r] * CG + cg]);
        const float zp = __half2float(vZero[(size_t)toks[r] * CG + cg]);
        ps[r] = p[r] * sc;
        zAcc[cg] = fmaf(p[r], zp, zAcc[cg]);
      }
      b[cg][0] = pack_bf16x2(ps[0], ps[1]);
      b[cg][1] = pack_bf16x2(ps[2], ps[3]);
      zAcc[cg] = fmaf(-128.f, bf16_lo(b[cg][0]) + bf16_hi(b[cg][0]) + bf16_lo(b[cg][1]) + bf16_hi(b[cg][1]),
                      zAcc[cg]);  // the codes arrive as 128 + code
    }
#pragma unroll
    for (int mt = 0; mt < KC; ++mt) {
      uint32_t a[4];
#pragma unroll
      for (int i = 0; i < 4; ++i) {  // a0: channel g, tokens t*2,+1; a1: channel g+8; a2: tokens +8; a3: both
        const int c = mt * 16 + (i & 1) * 8;  // this lane's channel is c + g, in word (c + g) / H
        const uint32_t* pr = pairs[i >> 1];
        uint32_t word;
        if (H == 8) word = pr[c / H];  // g < 8 stays in the word
        else word = g < H ? pr[c / H] : pr[c / H + 1];
        a[i] = biased_pair<BITS>(word >> ((g % H) * BITS));
      }
      const int cg = mt * 16 / VALUE_GROUP;
      mma_bf16(oAcc[mt], a[0], a[1], a[2], a[3], b[cg][0], b[cg][1]);
    }
  }
}

// Cross-warp reduction of the accumulators and the partial's write; stats[2 h], stats[2 h + 1]: m and l of head h.
template <int BITS, int D, int GROUP>
__device__ void kivi_epilogue(float (&oAcc)[D / 16][4], float (&zAcc)[D / VALUE_GROUP], float* reduceBuf,
                              const float* stats, float* partO, float* partM, float* partL, int partStride) {
  KIVI_CONSTS
  // Cross-warp reduction through smem: reduceBuf[warp][head][channel], then the zero sums zBuf[warp][head][CG].
  float* zBuf = reduceBuf + WARPS * HR_MAX_GROUP * D;
#pragma unroll
  for (int cg = 0; cg < CG; ++cg) {
    zAcc[cg] += __shfl_xor_sync(0xffffffffu, zAcc[cg], 1);
    zAcc[cg] += __shfl_xor_sync(0xffffffffu, zAcc[cg], 2);
  }
  if (t == 0 && g < GROUP) {
#pragma unroll
    for (int cg = 0; cg < CG; ++cg) zBuf[(warp * HR_MAX_GROUP + g) * CG + cg] = zAcc[cg];
  }
#pragma unroll
  for (int mt = 0; mt < KC; ++mt) {
#pragma unroll
    for (int e = 0; e < 4; ++e) {
      const int head = t * 2 + (e & 1), ch = mt * 16 + g + (e >> 1) * 8;
      if (head < GROUP) reduceBuf[(warp * HR_MAX_GROUP + head) * D + ch] = oAcc[mt][e];
    }
  }
  __syncthreads();
  for (int i = threadIdx.x; i < GROUP * D; i += HR_DECODE_THREADS) {
    const int gh = i / D, d = i % D;
    float x = 0.f;
#pragma unroll
    for (int w = 0; w < WARPS; ++w)
      x += reduceBuf[(w * HR_MAX_GROUP + gh) * D + d] + zBuf[(w * HR_MAX_GROUP + gh) * CG + d / VALUE_GROUP];
    partO[(size_t)gh * partStride * D + d] = x;
  }
  if (threadIdx.x < GROUP) {
    partM[(size_t)threadIdx.x * partStride] = stats[2 * threadIdx.x];
    partL[(size_t)threadIdx.x * partStride] = stats[2 * threadIdx.x + 1];
  }
}

template <int BITS, int D, int GROUP>
__device__ void kivi_quantized_split(const __nv_bfloat16* __restrict__ qGroup, const uint32_t* __restrict__ kCodes,
                                     const __half* __restrict__ kScale, const __half* __restrict__ kZero,
                                     const uint32_t* __restrict__ vCodes, const __half* __restrict__ vScale,
                                     const __half* __restrict__ vZero, int n, float scaleLog2, float* scores,
                                     int splitCap, float* qShared, float* reduceBuf, float* stats, float* partO,
                                     float* partM, float* partL, int partStride) {
  fill_q(qGroup, qShared, GROUP, D);
  asm volatile("cp.async.wait_group 1;\n" ::);  // the key stage has landed (the value stage may still fly)
  __syncthreads();
  kivi_scores<BITS, D, GROUP>(kCodes, kScale, kZero, n, scaleLog2, scores, splitCap, qShared);
  __syncthreads();
  softmax_split(scores, splitCap, n, GROUP, stats);
  asm volatile("cp.async.wait_group 0;\n" ::);
  __syncthreads();
  float oAcc[D / 16][4], zAcc[D / VALUE_GROUP];
#pragma unroll
  for (int mt = 0; mt < D / 16; ++mt) oAcc[mt][0] = oAcc[mt][1] = oAcc[mt][2] = oAcc[mt][3] = 0.f;
#pragma unroll
  for (int cg = 0; cg < D / VALUE_GROUP; ++cg) zAcc[cg] = 0.f;
  kivi_values<BITS, D, GROUP>(vCodes, vScale, vZero, n, scores, splitCap, oAcc, zAcc);
  __syncthreads();  // reduceBuf overlays the staged split, so every warp must be done reading it first
  kivi_epilogue<BITS, D, GROUP>(oAcc, zAcc, reduceBuf, stats, partO, partM, partL, partStride);
}

// Copies `bytes` (a multiple of 16) from global to shared memory asynchronously, all threads of the CTA.
__device__ __forceinline__ void stage_async(char* dst, const void* src, int bytes) {
  for (int i = threadIdx.x * 16; i < bytes; i += HR_DECODE_THREADS * 16) {
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16;\n" ::"r"(
                     static_cast<uint32_t>(__cvta_generic_to_shared(dst + i))),
                 "l"(static_cast<const char*>(src) + i));
  }
}

template <int BITS, int D, int GROUP>
__device__ void kivi_partial(const __nv_bfloat16* q, const uint32_t* kCodes, const __half* kScale,
                             const __half* kZero, const uint32_t* vCodes, const __half* vScale,
                             const __half* vZero, const __nv_bfloat16* kRes, const __nv_bfloat16* vRes,
                             int nq, int nqCap, int residual, int resCap, int splitLen, int maxSplits, float scaleLog2,
                             float* partO, float* partM, float* partL) {
  // Dynamic smem: scores, GROUP * max(splitLen, resCap) floats; then, 16-byte aligned, the staged split, which the
  // cross-warp reduction buffer ([warps][HR_MAX_GROUP][D + D / VALUE_GROUP] floats) overlays at the end.
  extern __shared__ float scores[];
  __shared__ float qShared[8 * D];
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
  char* tail = reinterpret_cast<char*>(scores + GROUP * splitCap);
  tail += (16 - reinterpret_cast<uintptr_t>(tail) % 16) % 16;
  float* reduceBuf = reinterpret_cast<float*>(tail);
  if (split < nqSplits) {
    const int start = split * splitLen;
    const int n = min(splitLen, nq - start);
    const size_t row0 = (size_t)kvh * nqCap + start;
    // Stage the whole split in shared memory with cp.async (all loads in flight at once), keys first, then
    // values in a second group that lands while the scores are computed. Every piece is a multiple of 16 bytes.
    constexpr int CG = D / VALUE_GROUP;
    char* sKCodes = tail;
    char* sKScale = sKCodes + n * W * 4;
    char* sKZero = sKScale + (n / KEY_GROUP) * D * 2;
    char* sVCodes = sKZero + (n / KEY_GROUP) * D * 2;
    char* sVScale = sVCodes + n * W * 4;
    char* sVZero = sVScale + n * CG * 2;
    stage_async(sKCodes, kCodes + row0 * W, n * W * 4);
    stage_async(sKScale, kScale + (row0 / KEY_GROUP) * D, (n / KEY_GROUP) * D * 2);
    stage_async(sKZero, kZero + (row0 / KEY_GROUP) * D, (n / KEY_GROUP) * D * 2);
    asm volatile("cp.async.commit_group;\n" ::);
    stage_async(sVCodes, vCodes + row0 * W, n * W * 4);
    stage_async(sVScale, vScale + row0 * CG, n * CG * 2);
    stage_async(sVZero, vZero + row0 * CG, n * CG * 2);
    asm volatile("cp.async.commit_group;\n" ::);
    kivi_quantized_split<BITS, D, GROUP>(
        qGroup, reinterpret_cast<const uint32_t*>(sKCodes), reinterpret_cast<const __half*>(sKScale),
        reinterpret_cast<const __half*>(sKZero), reinterpret_cast<const uint32_t*>(sVCodes),
        reinterpret_cast<const __half*>(sVScale), reinterpret_cast<const __half*>(sVZero), n, scaleLog2,
        scores, splitCap, qShared, reduceBuf, stats, o, m, l, maxSplits);
  } else if (split == nqSplits && residual > 0) {
    const size_t row0 = (size_t)kvh * resCap;
    bf16_split_partial<D>(qGroup, kRes + row0 * D, vRes + row0 * D, residual, GROUP, scaleLog2, scores, splitCap,
                          reduceBuf, stats, o, m, l, maxSplits);
  }
}

// The split's softmax over one more chunk: running max and sum per head in stats (m = -inf before the first),
// p = exp2(s - m_new) in place, factor[h] = exp2(m_old - m_new) for the accumulators (0 past the group).
__device__ __forceinline__ void softmax_running(float* scores, int splitCap, int n, int group, float* stats,
                                                float* factor) {
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  for (int gh = warp; gh < HR_MAX_GROUP; gh += HR_DECODE_THREADS / 32) {
    if (gh >= group) {
      if (lane == 0) factor[gh] = 0.f;
      continue;
    }
    float* s = scores + gh * splitCap;
    const float mOld = stats[2 * gh];
    float m = mOld;
    for (int i = lane; i < n; i += 32) m = fmaxf(m, s[i]);
    m = warp_max(m);  // finite: a chunk holds at least one token group
    float l = 0.f;
    for (int i = lane; i < n; i += 32) {
      const float p = exp2f(s[i] - m);
      s[i] = p;
      l += p;
    }
    l = warp_sum(l);
    if (lane == 0) {
      const float f = mOld == HR_NEG_INF ? 0.f : exp2f(mOld - m);
      factor[gh] = f;
      stats[2 * gh] = m;
      stats[2 * gh + 1] = fmaf(stats[2 * gh + 1], f, l);
    }
  }
}

// Bytes of n staged tokens (codes, key scales and zeros, value scales and zeros), a multiple of 16.
template <int BITS, int D>
__device__ __forceinline__ int staged_bytes(int n) {
  return 2 * n * D * BITS / 8 + 2 * 2 * (n / KEY_GROUP) * D + 2 * 2 * n * (D / VALUE_GROUP);
}

// Stages tokens [row0, row0 + n) of a head's quantized cache in two cp.async groups (keys, then values).
template <int BITS, int D>
__device__ __forceinline__ void stage_chunk(char* buf, const uint32_t* kCodes, const __half* kScale,
                                            const __half* kZero, const uint32_t* vCodes, const __half* vScale,
                                            const __half* vZero, size_t row0, int n) {
  constexpr int W = D * BITS / 32, CG = D / VALUE_GROUP;
  char* sKScale = buf + n * W * 4;
  char* sKZero = sKScale + (n / KEY_GROUP) * D * 2;
  char* sVCodes = sKZero + (n / KEY_GROUP) * D * 2;
  char* sVScale = sVCodes + n * W * 4;
  char* sVZero = sVScale + n * CG * 2;
  stage_async(buf, kCodes + row0 * W, n * W * 4);
  stage_async(sKScale, kScale + (row0 / KEY_GROUP) * D, (n / KEY_GROUP) * D * 2);
  stage_async(sKZero, kZero + (row0 / KEY_GROUP) * D, (n / KEY_GROUP) * D * 2);
  asm volatile("cp.async.commit_group;\n" ::);
  stage_async(sVCodes, vCodes + row0 * W, n * W * 4);
  stage_async(sVScale, vScale + row0 * CG, n * CG * 2);
  stage_async(sVZero, vZero + row0 * CG, n * CG * 2);
  asm volatile("cp.async.commit_group;\n" ::);
}

// One CTA walks the chunks of chunkLen tokens of its split (splitLen = a whole number of chunks) with an online
// softmax, staging chunk i + 1 (two cp.async groups into the other of two buffers) while chunk i is computed; one
// partial per split, so far fewer partials and CTAs than one per chunk. Split nqSplits is the bf16 residual.
// Dynamic smem: scores (GROUP * max(chunkLen, resCap) floats), then, 16-byte aligned, two staging buffers of
// staged_bytes(chunkLen), which the reduction buffer overlays at the end.
template <int BITS, int D, int GROUP>
__device__ void kivi_walk(const __nv_bfloat16* q, const uint32_t* kCodes, const __half* kScale, const __half* kZero,
                          const uint32_t* vCodes, const __half* vScale, const __half* vZero,
                          const __nv_bfloat16* kRes, const __nv_bfloat16* vRes, int nq, int nqCap, int residual,
                          int resCap, int splitLen, int chunkLen, int maxSplits, float scaleLog2, float* partO,
                          float* partM, float* partL) {
  extern __shared__ float scores[];
  __shared__ float qShared[8 * D];
  __shared__ float stats[2 * HR_MAX_GROUP], factor[HR_MAX_GROUP];
  const int kvh = blockIdx.x, split = blockIdx.y;
  const int nqSplits = (nq + splitLen - 1) / splitLen;
  const int head0 = kvh * GROUP;
  const __nv_bfloat16* qGroup = q + (size_t)head0 * D;
  float* o = partO + ((size_t)head0 * maxSplits + split) * D;
  float* m = partM + (size_t)head0 * maxSplits + split;
  float* l = partL + (size_t)head0 * maxSplits + split;
  const int splitCap = max(chunkLen, resCap);
  char* tail = reinterpret_cast<char*>(scores + GROUP * splitCap);
  tail += (16 - reinterpret_cast<uintptr_t>(tail) % 16) % 16;
  float* reduceBuf = reinterpret_cast<float*>(tail);
  if (split < nqSplits) {
    const int start = split * splitLen, end = min(nq, start + splitLen);
    const int chunks = (end - start + chunkLen - 1) / chunkLen;
    const int bufBytes = staged_bytes<BITS, D>(chunkLen);
    const size_t row0 = (size_t)kvh * nqCap + start;
    constexpr int W = D * BITS / 32, CG = D / VALUE_GROUP;
    stage_chunk<BITS, D>(tail, kCodes, kScale, kZero, vCodes, vScale, vZero, row0, min(chunkLen, end - start));
    fill_q(qGroup, qShared, GROUP, D);
    if (threadIdx.x < HR_MAX_GROUP) { stats[2 * threadIdx.x] = HR_NEG_INF; stats[2 * threadIdx.x + 1] = 0.f; }
    float oAcc[D / 16][4], zAcc[CG];
#pragma unroll
    for (int mt = 0; mt < D / 16; ++mt) oAcc[mt][0] = oAcc[mt][1] = oAcc[mt][2] = oAcc[mt][3] = 0.f;
#pragma unroll
    for (int cg = 0; cg < CG; ++cg) zAcc[cg] = 0.f;
    for (int c = 0; c < chunks; ++c) {
      const int n = min(chunkLen, end - start - c * chunkLen);
      char* buf = tail + (c & 1) * bufBytes;
      const bool next = c + 1 < chunks;
      __syncthreads();  // every warp is done with chunk c - 1: its buffer and the scores are free
      if (next)
        stage_chunk<BITS, D>(tail + ((c + 1) & 1) * bufBytes, kCodes, kScale, kZero, vCodes, vScale, vZero,
                             row0 + (size_t)(c + 1) * chunkLen, min(chunkLen, end - start - (c + 1) * chunkLen));
      if (next) asm volatile("cp.async.wait_group 3;\n" ::);  // chunk c's keys have landed
      else asm volatile("cp.async.wait_group 1;\n" ::);
      __syncthreads();
      const char* kScaleS = buf + n * W * 4;
      const char* kZeroS = kScaleS + (n / KEY_GROUP) * D * 2;
      const char* vCodesS = kZeroS + (n / KEY_GROUP) * D * 2;
      const char* vScaleS = vCodesS + n * W * 4;
      const char* vZeroS = vScaleS + n * CG * 2;
      kivi_scores<BITS, D, GROUP>(reinterpret_cast<const uint32_t*>(buf), reinterpret_cast<const __half*>(kScaleS),
                                  reinterpret_cast<const __half*>(kZeroS), n, scaleLog2, scores, splitCap, qShared);
      __syncthreads();
      softmax_running(scores, splitCap, n, GROUP, stats, factor);
      if (next) asm volatile("cp.async.wait_group 2;\n" ::);  // chunk c's values have landed
      else asm volatile("cp.async.wait_group 0;\n" ::);
      __syncthreads();
      const int t = threadIdx.x & 3, g = (threadIdx.x & 31) >> 2;
      const float f0 = factor[t * 2], f1 = factor[t * 2 + 1], fg = factor[g];
#pragma unroll
      for (int mt = 0; mt < D / 16; ++mt) {
        oAcc[mt][0] *= f0; oAcc[mt][1] *= f1; oAcc[mt][2] *= f0; oAcc[mt][3] *= f1;
      }
#pragma unroll
      for (int cg = 0; cg < CG; ++cg) zAcc[cg] *= fg;
      kivi_values<BITS, D, GROUP>(reinterpret_cast<const uint32_t*>(vCodesS), reinterpret_cast<const __half*>(vScaleS),
                                  reinterpret_cast<const __half*>(vZeroS), n, scores, splitCap, oAcc, zAcc);
    }
    __syncthreads();  // reduceBuf overlays the staging buffers
    kivi_epilogue<BITS, D, GROUP>(oAcc, zAcc, reduceBuf, stats, o, m, l, maxSplits);
  } else if (split == nqSplits && residual > 0) {
    const size_t row0 = (size_t)kvh * resCap;
    bf16_split_partial<D>(qGroup, kRes + row0 * D, vRes + row0 * D, residual, GROUP, scaleLog2, scores, splitCap,
                          reduceBuf, stats, o, m, l, maxSplits);
  }
}

}  // namespace

#define HR_KIVI_WALK(BITS, D, GROUP)                                                                               \
  extern "C" __global__ void __launch_bounds__(HR_DECODE_THREADS) kivi_decode_walk_b##BITS##_d##D##_g##GROUP(     \
      const __nv_bfloat16* q, const uint32_t* kCodes, const __half* kScale, const __half* kZero,                  \
      const uint32_t* vCodes, const __half* vScale, const __half* vZero, const __nv_bfloat16* kRes,               \
      const __nv_bfloat16* vRes, int nq, int nqCap, int residual, int resCap, int splitLen, int chunkLen,         \
      int maxSplits, float scaleLog2, float* partO, float* partM, float* partL) {                                 \
    kivi_walk<BITS, D, GROUP>(q, kCodes, kScale, kZero, vCodes, vScale, vZero, kRes, vRes, nq, nqCap, residual,   \
                              resCap, splitLen, chunkLen, maxSplits, scaleLog2, partO, partM, partL);            \
  }
#define HR_KIVI_WALKS(BITS, D) \
  HR_KIVI_WALK(BITS, D, 1) HR_KIVI_WALK(BITS, D, 2) HR_KIVI_WALK(BITS, D, 4) HR_KIVI_WALK(BITS, D, 8)
HR_KIVI_WALKS(2, 64)
HR_KIVI_WALKS(2, 128)
HR_KIVI_WALKS(4, 64)
HR_KIVI_WALKS(4, 128)

#define HR_KIVI_PARTIAL(BITS, D, GROUP)                                                                            \
  extern "C" __global__ void __launch_bounds__(HR_DECODE_THREADS) kivi_decode_partial_b##BITS##_d##D##_g##GROUP(  \
      const __nv_bfloat16* q, const uint32_t* kCodes, const __half* kScale, const __half* kZero,     \
      const uint32_t* vCodes, const __half* vScale, const __half* vZero, const __nv_bfloat16* kRes,  \
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

// Grid (numHeads, D / HR_COMBINE_SLICE), block HR_COMBINE_THREADS threads.
extern "C" __global__ void kivi_decode_combine(const float* partO, const float* partM, const float* partL, int nq,
                                               int residual, int splitLen, int D, int maxSplits, __nv_bfloat16* out) {
  const int splits = (nq + splitLen - 1) / splitLen + (residual > 0 ? 1 : 0);
  decode_combine_impl(partO, partM, partL, splits, out, D, maxSplits);
}
