// The element-wise and reduction kernels of a transformer forward pass, around the linear layers (gemm*.cu) and
// attention: RMSNorm, rotary embeddings, SwiGLU, embedding lookup, residual adds, argmax, and a plain copy (the
// bandwidth reference). The residual stream is fp32 [tokens][hidden]; what feeds a linear layer is bf16.
// All arithmetic is fp32; bf16 values are rounded once, on store (round to nearest even).
#include "common.cuh"

namespace {

constexpr int NORM_THREADS = 256;

// Sum over the block (NORM_THREADS threads), returned to every thread.
__device__ __forceinline__ float block_sum(float v, float* scratch) {
  v = warp_sum(v);
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  float total = 0.f;
#pragma unroll
  for (int i = 0; i < NORM_THREADS / 32; ++i) total += scratch[i];
  __syncthreads();  // scratch may be reused by the caller
  return total;
}

__device__ __forceinline__ float silu(float g) { return g / (1.f + expf(-g)); }

}  // namespace

// ---- RMSNorm: y[r] = bf16(x[r] / sqrt(mean(x[r]^2) + eps) * weight), one CTA per row ----
// With delta != null the residual add comes first, in place: x[r] += delta[r] (bf16), then x[r] is normalized.
// dim: any multiple of 4.
extern "C" __global__ void
    rmsnorm_f32(float* __restrict__ x, const __nv_bfloat16* __restrict__ delta, const __nv_bfloat16* __restrict__ weight,
                __nv_bfloat16* __restrict__ y, int dim, float eps) {
  __shared__ float scratch[NORM_THREADS / 32];
  float* row = x + (size_t)blockIdx.x * dim;
  const __nv_bfloat16* drow = delta ? delta + (size_t)blockIdx.x * dim : nullptr;
  float ss = 0.f;
  for (int i = threadIdx.x * 4; i < dim; i += NORM_THREADS * 4) {
    float4 v = *reinterpret_cast<const float4*>(row + i);
    if (drow) {
      const uint2 d = *reinterpret_cast<const uint2*>(drow + i);
      v.x += bf16_lo(d.x);
      v.y += bf16_hi(d.x);
      v.z += bf16_lo(d.y);
      v.w += bf16_hi(d.y);
      *reinterpret_cast<float4*>(row + i) = v;
    }
    ss += v.x * v.x + v.y * v.y + v.z * v.z + v.w * v.w;
  }
  const float inv = rsqrtf(block_sum(ss, scratch) / dim + eps);
  __nv_bfloat16* out = y + (size_t)blockIdx.x * dim;
  for (int i = threadIdx.x * 4; i < dim; i += NORM_THREADS * 4) {
    const float4 v = *reinterpret_cast<const float4*>(row + i);  // this thread's own store, if any
    const uint2 w = *reinterpret_cast<const uint2*>(weight + i);
    uint2 o;
    o.x = pack_bf16x2(v.x * inv * bf16_lo(w.x), v.y * inv * bf16_hi(w.x));
    o.y = pack_bf16x2(v.z * inv * bf16_lo(w.y), v.w * inv * bf16_hi(w.y));
    *reinterpret_cast<uint2*>(out + i) = o;
  }
}

// ---- Rotary embedding, rotate-half layout, in place ----
// x: bf16 rows of rowStride elements; heads [0, heads) of headDim each start at element `offset` of a row (the q and
// k heads of a fused QKV row are contiguous, so one launch rotates both). Dimension i pairs with i + headDim / 2:
//   out[i] = x[i] cos - x[i + h] sin,  out[i + h] = x[i + h] cos + x[i] sin,  angle = invFreq[i] * position (fp32),
// as attention/core's RotaryTable; the scaling (default, linear, llama3) is all in invFreq, which the host computes.
// One thread per (token, two adjacent pairs, ROPE_HEADS heads): the angles depend on the token and the pair only, so
// one sincos serves ROPE_HEADS heads, whose loads are all issued before the first store (headDim a multiple of 4).
constexpr int ROPE_HEADS = 8;

extern "C" __global__ void rope_bf16(__nv_bfloat16* __restrict__ x, const int* __restrict__ positions,
                                     const float* __restrict__ invFreq, int tokens, int heads, int headDim,
                                     long long rowStride, long long offset) {
  const int half = headDim / 2, pairs = half / 2;
  const int chunks = (heads + ROPE_HEADS - 1) / ROPE_HEADS;
  const long long n = (long long)tokens * chunks * pairs;
  for (long long idx = blockIdx.x * (long long)blockDim.x + threadIdx.x; idx < n;
       idx += (long long)gridDim.x * blockDim.x) {
    const int p = (int)(idx % pairs);
    const long long tc = idx / pairs;
    const int chunk = (int)(tc % chunks), token = (int)(tc / chunks);
    const int i = 2 * p, head0 = chunk * ROPE_HEADS;
    const float pos = (float)positions[token];
    float s0, c0, s1, c1;
    sincosf(invFreq[i] * pos, &s0, &c0);
    sincosf(invFreq[i + 1] * pos, &s1, &c1);
    __nv_bfloat16* row = x + token * rowStride + offset + (long long)head0 * headDim;
    uint32_t lo[ROPE_HEADS], hi[ROPE_HEADS];
#pragma unroll
    for (int h = 0; h < ROPE_HEADS; ++h) {
      if (head0 + h < heads) {
        lo[h] = *reinterpret_cast<const uint32_t*>(row + h * headDim + i);
        hi[h] = *reinterpret_cast<const uint32_t*>(row + h * headDim + i + half);
      }
    }
#pragma unroll
    for (int h = 0; h < ROPE_HEADS; ++h) {
      if (head0 + h < heads) {
        const float a0 = bf16_lo(lo[h]), a1 = bf16_hi(lo[h]), b0 = bf16_lo(hi[h]), b1 = bf16_hi(hi[h]);
        *reinterpret_cast<uint32_t*>(row + h * headDim + i) = pack_bf16x2(a0 * c0 - b0 * s0, a1 * c1 - b1 * s1);
        *reinterpret_cast<uint32_t*>(row + h * headDim + i + half) =
            pack_bf16x2(b0 * c0 + a0 * s0, b1 * c1 + a1 * s1);
      }
    }
  }
}

// ---- SwiGLU: out[r][i] = bf16(silu(gateUp[r][i]) * gateUp[r][ffn + i]) ----
// gateUp is the output of the fused gate|up projection, [rows][2 ffn]; out [rows][ffn]; ffn a multiple of 8.
extern "C" __global__ void swiglu_bf16(const __nv_bfloat16* __restrict__ gateUp, __nv_bfloat16* __restrict__ out,
                                       int rows, int ffn) {
  const int chunks = ffn / 8;
  const long long n = (long long)rows * chunks;
  for (long long idx = blockIdx.x * (long long)blockDim.x + threadIdx.x; idx < n;
       idx += (long long)gridDim.x * blockDim.x) {
    const long long r = idx / chunks;
    const int c = (int)(idx % chunks) * 8;
    const uint4 g = *reinterpret_cast<const uint4*>(gateUp + r * 2 * ffn + c);
    const uint4 u = *reinterpret_cast<const uint4*>(gateUp + r * 2 * ffn + ffn + c);
    float gf[8], uf[8];
    unpack8(g, gf);
    unpack8(u, uf);
    uint4 o;
    o.x = pack_bf16x2(silu(gf[0]) * uf[0], silu(gf[1]) * uf[1]);
    o.y = pack_bf16x2(silu(gf[2]) * uf[2], silu(gf[3]) * uf[3]);
    o.z = pack_bf16x2(silu(gf[4]) * uf[4], silu(gf[5]) * uf[5]);
    o.w = pack_bf16x2(silu(gf[6]) * uf[6], silu(gf[7]) * uf[7]);
    *reinterpret_cast<uint4*>(out + r * ffn + c) = o;
  }
}

// ---- Embedding: out[t] = table[ids[t]] widened to fp32 (the residual stream); an id outside [0, vocab) gives NaN ----
// One CTA per token; dim a multiple of 8.
extern "C" __global__ void embedding_f32(const int* __restrict__ ids, const __nv_bfloat16* __restrict__ table,
                                         float* __restrict__ out, int vocab, int dim) {
  const int id = ids[blockIdx.x];
  const bool ok = id >= 0 && id < vocab;
  const __nv_bfloat16* src = table + (size_t)(ok ? id : 0) * dim;
  float* dst = out + (size_t)blockIdx.x * dim;
  for (int i = threadIdx.x * 8; i < dim; i += blockDim.x * 8) {
    float f[8];
    unpack8(*reinterpret_cast<const uint4*>(src + i), f);
    if (!ok)
      for (int e = 0; e < 8; ++e) f[e] = __int_as_float(0x7fc00000);
    *reinterpret_cast<float4*>(dst + i) = make_float4(f[0], f[1], f[2], f[3]);
    *reinterpret_cast<float4*>(dst + i + 4) = make_float4(f[4], f[5], f[6], f[7]);
  }
}

// ---- Residual adds into the fp32 stream: h[i] += delta[i]; n a multiple of 4 ----
extern "C" __global__ void residual_add_bf16(float* __restrict__ h, const __nv_bfloat16* __restrict__ delta,
                                             long long n) {
  for (long long i = (blockIdx.x * (long long)blockDim.x + threadIdx.x) * 4; i < n;
       i += (long long)gridDim.x * blockDim.x * 4) {
    float4 v = *reinterpret_cast<const float4*>(h + i);
    const uint2 d = *reinterpret_cast<const uint2*>(delta + i);
    v.x += bf16_lo(d.x);
    v.y += bf16_hi(d.x);
    v.z += bf16_lo(d.y);
    v.w += bf16_hi(d.y);
    *reinterpret_cast<float4*>(h + i) = v;
  }
}

extern "C" __global__ void residual_add_f32(float* __restrict__ h, const float* __restrict__ delta, long long n) {
  for (long long i = (blockIdx.x * (long long)blockDim.x + threadIdx.x) * 4; i < n;
       i += (long long)gridDim.x * blockDim.x * 4) {
    float4 v = *reinterpret_cast<const float4*>(h + i);
    const float4 d = *reinterpret_cast<const float4*>(delta + i);
    v.x += d.x;
    v.y += d.y;
    v.z += d.z;
    v.w += d.w;
    *reinterpret_cast<float4*>(h + i) = v;
  }
}

// ---- Argmax over fp32 logits [rows][vocab]: the first index of the largest value (NaN never wins) ----
// Two passes, so that one row of a 128K vocabulary spreads over many CTAs: argmax_partial writes the best
// (value, index) of each of `chunks` slices of a row, argmax_final reduces them. One CTA per (slice, row).
namespace {
constexpr int ARGMAX_THREADS = 256;

__device__ __forceinline__ void better(float& v, int& i, float ov, int oi) {  // keep (v, i) or take (ov, oi)
  if (ov > v || (ov == v && oi < i) || (v != v && ov == ov)) {
    v = ov;
    i = oi;
  }
}

__device__ __forceinline__ void block_best(float& v, int& idx) {
  __shared__ float sv[ARGMAX_THREADS / 32];
  __shared__ int si[ARGMAX_THREADS / 32];
  for (int o = 16; o > 0; o >>= 1) better(v, idx, __shfl_xor_sync(0xffffffffu, v, o), __shfl_xor_sync(0xffffffffu, idx, o));
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  if (lane == 0) {
    sv[warp] = v;
    si[warp] = idx;
  }
  __syncthreads();
  if (warp == 0) {
    v = lane < ARGMAX_THREADS / 32 ? sv[lane] : HR_NEG_INF;
    idx = lane < ARGMAX_THREADS / 32 ? si[lane] : 0x7fffffff;
    for (int o = 16; o > 0; o >>= 1)
      better(v, idx, __shfl_xor_sync(0xffffffffu, v, o), __shfl_xor_sync(0xffffffffu, idx, o));
  }
}
}  // namespace

extern "C" __global__ void __launch_bounds__(ARGMAX_THREADS)
    argmax_partial(const float* __restrict__ logits, float* __restrict__ partValue, int* __restrict__ partIndex,
                   int vocab, int chunk) {
  const int row = blockIdx.y, slice = blockIdx.x;
  const float* src = logits + (size_t)row * vocab;
  const int lo = slice * chunk, hi = min(vocab, lo + chunk);
  float v = HR_NEG_INF;
  int idx = 0x7fffffff;
  for (int i = lo + threadIdx.x; i < hi; i += ARGMAX_THREADS) better(v, idx, src[i], i);
  block_best(v, idx);
  if (threadIdx.x == 0) {
    partValue[(size_t)row * gridDim.x + slice] = v;
    partIndex[(size_t)row * gridDim.x + slice] = idx;
  }
}

// One CTA per row; index -1 when the row holds nothing but NaN.
extern "C" __global__ void __launch_bounds__(ARGMAX_THREADS)
    argmax_final(const float* __restrict__ partValue, const int* __restrict__ partIndex, int* __restrict__ out,
                 int chunks) {
  const int row = blockIdx.x;
  float v = HR_NEG_INF;
  int idx = 0x7fffffff;
  for (int i = threadIdx.x; i < chunks; i += ARGMAX_THREADS)
    better(v, idx, partValue[(size_t)row * chunks + i], partIndex[(size_t)row * chunks + i]);
  block_best(v, idx);
  if (threadIdx.x == 0) out[row] = idx == 0x7fffffff ? -1 : idx;
}

// ---- Copy of n16 16-byte words: the bandwidth reference the memory-bound kernels are measured against ----
extern "C" __global__ void copy_u4(const uint4* __restrict__ src, uint4* __restrict__ dst, long long n16) {
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n16; i += (long long)gridDim.x * blockDim.x)
    dst[i] = src[i];
}
