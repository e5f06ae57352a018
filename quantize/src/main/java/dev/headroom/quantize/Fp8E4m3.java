package dev.headroom.quantize;

/**
 * FP8 e4m3 ("fn": no infinities, one NaN pattern) in a {@code byte}: 1 sign, 4 exponent (bias 7)
 * and 3 mantissa bits; the largest finite value is 448, the smallest subnormal 2^-9. Encoding
 * rounds to nearest even and saturates at +-448, as serving engines do for KV caches.
 */
public final class Fp8E4m3 {
    public static final float MAX = 448f;
    private static final float[] DECODE = new float[256];

    static {
        for (int b = 0; b < 256; b++) DECODE[b] = decodeSlow(b);
    }

    private Fp8E4m3() {}

    private static float decodeSlow(int b) {
        int sign = b >>> 7, exp = (b >>> 3) & 0xf, mantissa = b & 7;
        float v;
        if (exp == 0xf && mantissa == 7) v = Float.NaN;
        else if (exp == 0) v = mantissa * 0x1p-9f;
        else v = (1 + mantissa / 8f) * (float) Math.pow(2, exp - 7);
        return sign != 0 ? -v : v;
    }

    public static float toFloat(byte b) {
        return DECODE[b & 0xff];
    }

    public static byte fromFloat(float x) {
        if (Float.isNaN(x)) return (byte) 0x7f;
        int sign = x < 0 || (x == 0 && 1 / x < 0) ? 0x80 : 0;
        float a = Math.min(Math.abs(x), MAX);
        // the nearest of the 127 non-negative finite codes, ties to the even code
        int lo = 0, hi = 0x7e;
        while (lo < hi) { // the largest code whose value is <= a
            int mid = (lo + hi + 1) >>> 1;
            if (DECODE[mid] <= a) lo = mid;
            else hi = mid - 1;
        }
        int code = lo;
        if (code < 0x7e) {
            float below = DECODE[code], above = DECODE[code + 1];
            float dBelow = a - below, dAbove = above - a;
            if (dAbove < dBelow || (dAbove == dBelow && (code & 1) != 0)) code++;
        }
        return (byte) (sign | code);
    }
}
