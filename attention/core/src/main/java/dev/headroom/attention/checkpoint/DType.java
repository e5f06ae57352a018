package dev.headroom.attention.checkpoint;

import java.nio.ByteBuffer;

/** The element types headroom reads from safetensors files, with their decoding to float. */
public enum DType {
    F32(4),
    F16(2),
    BF16(2);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    public int bytes() {
        return bytes;
    }

    /** The safetensors name ("F32", "BF16", ...) or null when unsupported. */
    public static DType fromSafetensors(String name) {
        for (DType t : values()) {
            if (t.name().equals(name)) return t;
        }
        return null;
    }

    /**
     * Decodes {@code count} little-endian elements from {@code src} (positioned at the first) into
     * {@code dst}.
     */
    public void decode(ByteBuffer src, float[] dst, int dstOffset, int count) {
        switch (this) {
            case F32 -> src.asFloatBuffer().get(dst, dstOffset, count);
            case BF16 -> {
                for (int i = 0; i < count; i++)
                    dst[dstOffset + i] = Float.intBitsToFloat((src.getShort(2 * i) & 0xffff) << 16);
            }
            case F16 -> {
                for (int i = 0; i < count; i++)
                    dst[dstOffset + i] = halfToFloat(src.getShort(2 * i));
            }
        }
    }

    /** IEEE 754 binary16 to float, subnormals, infinities and NaN included. */
    public static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        if (exp == 0) {
            if (mant == 0) return Float.intBitsToFloat(sign);
            float v = mant * 0x1p-24f; // subnormal: mant * 2^-24
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }
}
