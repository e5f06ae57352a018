package dev.headroom.attention.gpu;

import dev.headroom.quantize.KiviCacheData;

/**
 * A KIVI-quantized KV cache on the GPU, in the layout of kivi_decode.cu (codes, fp16 scales and
 * zeros, bf16 residual). Build with {@link #upload} (from what {@code
 * dev.headroom.quantize.KiviQuantizer} packs, group 32) or {@link #random}.
 */
public final class KiviCache implements AutoCloseable {
    final int bits, kvHeads, headDim, quantized, residual;
    final DeviceBuffer keyCodes,
            keyScale,
            keyZero,
            valueCodes,
            valueScale,
            valueZero,
            keyResidual,
            valueResidual;

    private KiviCache(
            CudaContext cuda, int bits, int kvHeads, int headDim, int quantized, int residual) {
        if (bits != 2 && bits != 4)
            throw new IllegalArgumentException("KIVI bits must be 2 or 4: " + bits);
        if (headDim != 64 && headDim != 128)
            throw new IllegalArgumentException("head dim must be 64 or 128");
        if (quantized % KiviCacheData.KEY_GROUP != 0)
            throw new IllegalArgumentException("partial key group");
        this.bits = bits;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.quantized = quantized;
        this.residual = residual;
        long rows = (long) kvHeads * Math.max(quantized, KiviCacheData.KEY_GROUP);
        long words = headDim * bits / 32;
        keyCodes = cuda.allocate(4 * rows * words);
        valueCodes = cuda.allocate(4 * rows * words);
        keyScale = cuda.allocate(2 * rows / KiviCacheData.KEY_GROUP * headDim);
        keyZero = cuda.allocate(2 * rows / KiviCacheData.KEY_GROUP * headDim);
        valueScale = cuda.allocate(2 * rows * (headDim / KiviCacheData.VALUE_GROUP));
        valueZero = cuda.allocate(2 * rows * (headDim / KiviCacheData.VALUE_GROUP));
        long residualRows = (long) kvHeads * Math.max(residual, 1);
        keyResidual = cuda.allocate(2 * residualRows * headDim);
        valueResidual = cuda.allocate(2 * residualRows * headDim);
    }

    public static KiviCache upload(CudaContext cuda, KiviCacheData data) {
        if (data.group() != KiviCacheData.KEY_GROUP)
            throw new IllegalArgumentException(
                    "the KIVI decode kernel reads groups of "
                            + KiviCacheData.KEY_GROUP
                            + " tokens and channels, not "
                            + data.group());
        KiviCache c =
                new KiviCache(
                        cuda,
                        data.bits(),
                        data.kvHeads(),
                        data.headDim(),
                        data.quantizedTokens(),
                        data.residualTokens());
        if (data.quantizedTokens() > 0) {
            c.keyCodes.upload(data.keyCodes());
            c.valueCodes.upload(data.valueCodes());
            c.keyScale.upload(data.keyScale());
            c.keyZero.upload(data.keyZero());
            c.valueScale.upload(data.valueScale());
            c.valueZero.upload(data.valueZero());
        }
        if (data.residualTokens() > 0) {
            c.keyResidual.upload(data.keyResidual());
            c.valueResidual.upload(data.valueResidual());
        }
        return c;
    }

    /**
     * Benchmark helper: random codes, fp16 scales in [0.01, 0.1), fp16 zeros in [-0.5, 0), bf16
     * residual in [-1, 1).
     */
    public static KiviCache random(
            CudaContext cuda,
            int bits,
            int kvHeads,
            int headDim,
            int quantized,
            int residual,
            long seed) {
        KiviCache c = new KiviCache(cuda, bits, kvHeads, headDim, quantized, residual);
        RandomFill.randomWords(cuda, c.keyCodes, c.keyCodes.bytes() / 4, seed);
        RandomFill.randomWords(cuda, c.valueCodes, c.valueCodes.bytes() / 4, seed + 1);
        RandomFill.uniformF16(cuda, c.keyScale, c.keyScale.bytes() / 2, seed + 2, 0.01f, 0.1f);
        RandomFill.uniformF16(cuda, c.keyZero, c.keyZero.bytes() / 2, seed + 3, -0.5f, 0f);
        RandomFill.uniformF16(cuda, c.valueScale, c.valueScale.bytes() / 2, seed + 4, 0.01f, 0.1f);
        RandomFill.uniformF16(cuda, c.valueZero, c.valueZero.bytes() / 2, seed + 5, -0.5f, 0f);
        RandomFill.uniformBf16(cuda, c.keyResidual, c.keyResidual.bytes() / 2, seed + 6, -1f, 1f);
        RandomFill.uniformBf16(
                cuda, c.valueResidual, c.valueResidual.bytes() / 2, seed + 7, -1f, 1f);
        return c;
    }

    /** Bytes a decode step must read: codes, scales and zeros, and the residual. */
    public long bytesRead() {
        long q = (long) kvHeads * quantized;
        long codes = 2 * q * headDim * bits / 8;
        long keyScales = 2L * 2 * q / KiviCacheData.KEY_GROUP * headDim;
        long valueScales = 2L * 2 * q * (headDim / KiviCacheData.VALUE_GROUP);
        long res = 2L * 2 * kvHeads * residual * headDim;
        return codes + keyScales + valueScales + res;
    }

    @Override
    public void close() {
        for (DeviceBuffer b :
                new DeviceBuffer[] {
                    keyCodes,
                    keyScale,
                    keyZero,
                    valueCodes,
                    valueScale,
                    valueZero,
                    keyResidual,
                    valueResidual
                }) {
            b.close();
        }
    }
}
