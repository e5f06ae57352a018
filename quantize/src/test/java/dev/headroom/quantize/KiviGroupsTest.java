package dev.headroom.quantize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** KIVI's group math and packing against hand-computed and float64 references. */
class KiviGroupsTest {
    private final Random random = new Random(11);

    @Test
    void roundTripErrorIsWithinHalfAStepOfTheRange() {
        for (int bits : new int[] {2, 4, 8}) {
            for (int trial = 0; trial < 200; trial++) {
                int tokens = 32, d = 64;
                float[] rows = new float[tokens * d];
                float spread = (float) Math.exp(random.nextGaussian() * 2);
                float offset = (float) random.nextGaussian() * 3;
                for (int i = 0; i < rows.length; i++)
                    rows[i] = offset + spread * (float) random.nextGaussian();
                float[] original = rows.clone();
                int[] words = new int[tokens * KiviGroups.keyWords(d, bits)];
                short[] scale = new short[d], min = new short[d];
                KiviGroups.quantizeKeyGroup(rows, tokens, d, bits, words, scale, min);
                for (int c = 0; c < d; c++) {
                    double lo = Double.MAX_VALUE, hi = -Double.MAX_VALUE;
                    for (int t = 0; t < tokens; t++) {
                        lo = Math.min(lo, original[t * d + c]);
                        hi = Math.max(hi, original[t * d + c]);
                    }
                    // (max - min) / (2^b - 1) / 2, plus what storing scale and min in fp16 adds:
                    // the min rounded down by < one fp16 ulp, the scale rounded up by 2^-10
                    double halfStep = (hi - lo) / KiviGroups.levels(bits) / 2;
                    double fp16 = Math.ulp((float) Math.abs(lo)) * 8192 + halfStep * 0x1p-9;
                    for (int t = 0; t < tokens; t++) {
                        double err = Math.abs(rows[t * d + c] - original[t * d + c]);
                        assertTrue(
                                err <= halfStep + fp16 + 1e-6 * Math.abs(lo),
                                bits + " bits: error " + err + " > half step " + halfStep);
                    }
                }
            }
        }
    }

    @Test
    void dequantizedKeysEqualAFloat64ReferenceOfTheSameFormula() {
        int bits = 4, tokens = 32, d = 32;
        float[] rows = new float[tokens * d];
        for (int i = 0; i < rows.length; i++) rows[i] = (float) random.nextGaussian();
        float[] original = rows.clone();
        int[] words = new int[tokens * KiviGroups.keyWords(d, bits)];
        short[] scale = new short[d], min = new short[d];
        KiviGroups.quantizeKeyGroup(rows, tokens, d, bits, words, scale, min);
        for (int c = 0; c < d; c++) {
            double lo = Double.MAX_VALUE, hi = -Double.MAX_VALUE;
            for (int t = 0; t < tokens; t++) {
                lo = Math.min(lo, original[t * d + c]);
                hi = Math.max(hi, original[t * d + c]);
            }
            double min64 = Fp16.toFloat(min[c]), scale64 = Fp16.toFloat(scale[c]);
            assertTrue(
                    min64 <= lo && lo - min64 < Math.abs(lo) * 0x1p-10 + 0x1p-24,
                    "min rounded down to fp16");
            assertTrue(min64 + 15 * scale64 >= hi, "the grid covers the maximum");
            for (int t = 0; t < tokens; t++) {
                long q = Math.round((original[t * d + c] - min64) / scale64);
                q = Math.max(0, Math.min(15, q));
                double expected = q * scale64 + min64;
                assertEquals(expected, rows[t * d + c], 1e-6, "token " + t + " channel " + c);
                assertEquals(q, KiviGroups.keyCode(words, t * KiviGroups.keyWords(d, bits), c, 4));
            }
        }
    }

    @Test
    void packingRoundTripsBitExactly() {
        for (int bits : new int[] {2, 4, 8}) {
            int d = 64, levels = KiviGroups.levels(bits);
            // a value row whose codes are known: channel c takes code c mod (levels + 1) when the
            // group spans exactly 0 .. levels
            float[] row = new float[d];
            for (int c = 0; c < d; c++) row[c] = c % (levels + 1);
            for (int g = 0; g < d / 32; g++) {
                row[g * 32] = 0;
                row[g * 32 + 1] = levels;
            }
            float[] expectedCodes = row.clone();
            short[] halves = new short[KiviGroups.valueHalves(d, bits)];
            short[] scale = new short[2], min = new short[2];
            KiviGroups.quantizeValueRow(row, 0, d, bits, 32, halves, scale, min);
            for (int c = 0; c < d; c++) {
                assertEquals((int) expectedCodes[c], KiviGroups.valueCode(halves, 0, c, bits));
                assertEquals(expectedCodes[c], row[c], 0f, "exact grid values restore exactly");
            }
            // and every code value in every lane of a key row survives packing
            int[] words = new int[KiviGroups.keyWords(d, bits)];
            for (int c = 0; c < d; c++) {
                int q = (c * 7 + 3) & levels;
                int perWord = 32 / bits;
                words[c / perWord] |= q << (c % 2 * 16 + c % perWord / 2 * bits);
            }
            for (int c = 0; c < d; c++)
                assertEquals((c * 7 + 3) & levels, KiviGroups.keyCode(words, 0, c, bits));
        }
    }
}
