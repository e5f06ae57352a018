package dev.headroom.quantize;

/**
 * bfloat16 stored in a {@code short}: the upper half of an IEEE float32, rounded to nearest even.
 */
public final class Bf16 {
    /** A quiet NaN, used to poison outputs before a kernel runs. */
    public static final short NAN = (short) 0x7fc0;

    private Bf16() {}

    public static short fromFloat(float x) {
        int bits = Float.floatToRawIntBits(x);
        if ((bits & 0x7fffffff) > 0x7f800000) return NAN;
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    public static float toFloat(short b) {
        return Float.intBitsToFloat((b & 0xffff) << 16);
    }

    public static short[] fromFloats(float[] x) {
        short[] out = new short[x.length];
        for (int i = 0; i < x.length; i++) out[i] = fromFloat(x[i]);
        return out;
    }

    public static float[] toFloats(short[] b) {
        float[] out = new float[b.length];
        for (int i = 0; i < b.length; i++) out[i] = toFloat(b[i]);
        return out;
    }
}
