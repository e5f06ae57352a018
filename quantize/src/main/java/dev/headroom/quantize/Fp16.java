package dev.headroom.quantize;

/** IEEE 754 binary16 stored in a {@code short}, rounded to nearest even (subnormals kept). */
public final class Fp16 {
    private Fp16() {}

    public static short fromFloat(float x) {
        int f = Float.floatToRawIntBits(x);
        int sign = (f >>> 16) & 0x8000;
        int abs = f & 0x7fffffff;
        if (abs > 0x7f800000) return (short) (sign | 0x7e00); // NaN
        if (abs >= 0x477ff000) return (short) (sign | 0x7c00); // rounds to infinity
        if (abs < 0x38800000) { // below the smallest normal half, 2^-14: a subnormal or zero
            if (abs < 0x33000000) return (short) sign; // below half the smallest subnormal
            int exp = abs >>> 23;
            int mantissa = (abs & 0x7fffff) | 0x800000;
            int shift = 126 - exp; // 14 + 112 bias difference, minus the implicit-bit placement
            int half = mantissa >>> shift;
            int rest = mantissa & ((1 << shift) - 1), halfway = 1 << (shift - 1);
            if (rest > halfway || (rest == halfway && (half & 1) != 0)) half++;
            return (short) (sign | half);
        }
        int rounded = abs + 0xfff + ((abs >>> 13) & 1); // round the 13 dropped bits to even
        return (short) (sign | ((rounded - 0x38000000) >>> 13));
    }

    public static float toFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16, exp = (bits >>> 10) & 0x1f, mantissa = bits & 0x3ff;
        if (exp == 0x1f)
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13)); // inf or NaN
        if (exp == 0) { // zero or subnormal: mantissa * 2^-24
            float v = mantissa * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mantissa << 13));
    }

    /** The largest fp16 value <= x (x finite and within the fp16 range). */
    public static short floor(float x) {
        short h = fromFloat(x);
        return toFloat(h) <= x ? h : step(h, -1);
    }

    /** The smallest fp16 value >= x. */
    public static short ceil(float x) {
        short h = fromFloat(x);
        return toFloat(h) >= x ? h : step(h, +1);
    }

    /** The neighbouring fp16 value in direction {@code dir} (+1 up, -1 down). */
    private static short step(short h, int dir) {
        int bits = h & 0xffff;
        if ((bits & 0x7fff) == 0) return (short) (dir > 0 ? 0x0001 : 0x8001);
        boolean negative = (bits & 0x8000) != 0;
        return (short) (negative == (dir > 0) ? bits - 1 : bits + 1);
    }
}
