package dev.headroom.quantize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** fp16 and fp8 e4m3 conversions against exhaustive float64 nearest-value searches. */
class Fp16Test {

    @Test
    void everyFiniteHalfRoundTrips() {
        for (int h = 0; h < 65536; h++) {
            float f = Fp16.toFloat((short) h);
            if (Float.isNaN(f)) continue;
            assertEquals((short) h, Fp16.fromFloat(f), "half 0x" + Integer.toHexString(h));
        }
        assertEquals(1.0f, Fp16.toFloat((short) 0x3c00));
        assertEquals(65504f, Fp16.toFloat((short) 0x7bff));
        assertEquals(0x1p-24f, Fp16.toFloat((short) 0x0001));
    }

    @Test
    void roundsToTheNearestHalfTiesToEven() {
        float[] finite = new float[63488]; // the non-negative finite halves, ascending
        for (int h = 0; h < finite.length; h++) finite[h] = Fp16.toFloat((short) h);
        Random r = new Random(3);
        for (int i = 0; i < 100_000; i++) {
            float x = (float) (Math.exp(r.nextGaussian() * 6) * (r.nextBoolean() ? 1 : -1));
            if (Math.abs(x) > 65504) continue;
            double a = Math.abs(x);
            int best = 0;
            for (int h = 1; h < finite.length; h++) {
                double d = Math.abs(finite[h] - a), db = Math.abs(finite[best] - a);
                if (d < db || (d == db && (h & 1) == 0)) best = h;
            }
            assertEquals(finite[best], Math.abs(Fp16.toFloat(Fp16.fromFloat(x))), 0f, "x = " + x);
            assertTrue(Fp16.toFloat(Fp16.floor(x)) <= x && Fp16.toFloat(Fp16.ceil(x)) >= x);
        }
    }

    @Test
    void fp8E4m3MatchesItsDefinition() {
        assertEquals(448f, Fp8E4m3.toFloat((byte) 0x7e));
        assertEquals(1f, Fp8E4m3.toFloat((byte) 0x38));
        assertEquals(0x1p-9f, Fp8E4m3.toFloat((byte) 0x01));
        assertTrue(Float.isNaN(Fp8E4m3.toFloat((byte) 0x7f)));
        assertEquals((byte) 0x7e, Fp8E4m3.fromFloat(1e6f), "saturates");
        for (int b = 0; b < 256; b++) {
            float f = Fp8E4m3.toFloat((byte) b);
            if (!Float.isNaN(f) && !(f == 0 && b == 0x80))
                assertEquals((byte) b, Fp8E4m3.fromFloat(f));
        }
        // 1.0625 lies halfway between 1.0 (even mantissa) and 1.125: ties to even
        assertEquals(1f, Fp8E4m3.toFloat(Fp8E4m3.fromFloat(1.0625f)));
        assertEquals(1.25f, Fp8E4m3.toFloat(Fp8E4m3.fromFloat(1.1875f)));
    }
}
