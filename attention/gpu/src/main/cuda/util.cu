// Fills device buffers with deterministic pseudo-random data, so benchmarks need no host-to-device copies.
#include <cuda_fp16.h>

#include "common.cuh"

__device__ __forceinline__ uint32_t hash_u32(uint64_t x) {  // splitmix64 finalizer, folded to 32 bits
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return (uint32_t)((x ^ (x >> 31)) >> 16);
}

// dst[i] = bf16 uniform in [lo, hi)
extern "C" __global__ void fill_uniform_bf16(__nv_bfloat16* dst, long long n, unsigned long long seed, float lo,
                                             float hi) {
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
    const float u = (hash_u32(seed * 0x100000001b3ull + i) & 0xffffff) * (1.f / 16777216.f);
    dst[i] = __float2bfloat16(lo + (hi - lo) * u);
  }
}

// dst[i] = fp16 uniform in [lo, hi) (KIVI scales and zeros)
extern "C" __global__ void fill_uniform_f16(__half* dst, long long n, unsigned long long seed, float lo, float hi) {
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
    const float u = (hash_u32(seed * 0x100000001b3ull + i) & 0xffffff) * (1.f / 16777216.f);
    dst[i] = __float2half_rn(lo + (hi - lo) * u);
  }
}

// dst[i] = random 32-bit word (packed quantization codes)
extern "C" __global__ void fill_random_u32(uint32_t* dst, long long n, unsigned long long seed) {
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
    dst[i] = hash_u32(seed * 0x100000001b3ull + i) ^ (hash_u32(seed + 7 * i + 3) << 16);
}
