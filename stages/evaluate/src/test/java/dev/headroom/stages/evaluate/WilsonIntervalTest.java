package dev.headroom.stages.evaluate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

class WilsonIntervalTest {

    @Test
    void halfOfTen() {
        // p = 0.5, n = 10, z = 1.96: centre 0.5, half-width 1.96/(1+0.38416) * sqrt(0.025 +
        // 0.009604) = 0.2634
        assertArrayEquals(
                new double[] {0.2366, 0.7634},
                WilsonInterval.of(0.5, 10, WilsonInterval.Z95),
                1e-4);
    }

    @Test
    void noneAndAllOfSix() {
        // 0/6: upper end z^2/(n+z^2) = 3.8415/9.8415
        assertArrayEquals(
                new double[] {0.0, 0.3903}, WilsonInterval.of(0.0, 6, WilsonInterval.Z95), 1e-4);
        assertArrayEquals(
                new double[] {0.6097, 1.0}, WilsonInterval.of(1.0, 6, WilsonInterval.Z95), 1e-4);
    }

    @Test
    void noCasesIsTheWholeRange() {
        assertArrayEquals(
                new double[] {0.0, 1.0}, WilsonInterval.of(0.0, 0, WilsonInterval.Z95), 0.0);
    }
}
