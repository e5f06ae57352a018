package dev.headroom.plan.profile;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.headroom.attention.plan.SpanDensity;
import java.util.List;
import org.junit.jupiter.api.Test;

class HeadProfilerTest {

    /**
     * A 3-token head by hand: influence per entry |A_ij (G_ij - sum_k G_ik A_ik) / (1 - A_ij)|,
     * binned by distance.
     */
    @Test
    void influenceByHand() {
        float[] a = {1, 0, 0, 0.25f, 0.75f, 0, 0.5f, 0.2f, 0.3f};
        float[] g = {0.3f, 0, 0, -1, 2, 0, 0.4f, -0.6f, 1.0f};
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray aa = m.create(a, new Shape(1, 1, 1, 3, 3)),
                    gg = m.create(g, new Shape(1, 1, 1, 3, 3));
            List<ProfileRow> rows = new HeadProfiler(1, 0, 2).influence(0, aa, gg);
            // row 1: dot = 0.25*-1 + 0.75*2 = 1.25; (1,0): |0.25 (-1 - 1.25) / 0.75| = 0.75; (1,1):
            // |0.75 (2 - 1.25) / 0.25| = 2.25
            // row 2: dot = 0.2 - 0.12 + 0.3 = 0.38; (2,0): |0.5 * 0.02 / 0.5| = 0.02; (2,1): |0.2 *
            // -0.98 / 0.8| = 0.245; (2,2): |0.3 * 0.62 / 0.7|
            // row 0: A = 1 on the diagonal: 1 - A clamps to 1e-6 and G - dot = 0, so it adds
            // nothing
            double d0 = 2.25 + 0.3 * 0.62 / 0.7, d1 = 0.75 + 0.245, d2 = 0.02;
            assertEquals(3, rows.size());
            assertEquals(d0, rows.get(0).value(), 1e-5);
            assertEquals(d1, rows.get(1).value(), 1e-5);
            assertEquals(d2, rows.get(2).value(), 1e-5);
            assertEquals("influence_bin_1", rows.get(1).metric());
            // a sink of one token removes column 0 from the count
            List<ProfileRow> sunk = new HeadProfiler(1, 1, 2).influence(0, aa, gg);
            assertEquals(0.245, sunk.get(1).value(), 1e-5);
            assertEquals(0.0, sunk.get(2).value(), 1e-9);
        }
    }

    @Test
    void statisticsAndRetrievalByHand() {
        float[] a = {1, 0, 0, 0.25f, 0.75f, 0, 0.5f, 0.2f, 0.3f};
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray aa = m.create(a, new Shape(1, 1, 1, 3, 3));
            List<ProfileRow> st = new HeadProfiler(1, 1, 1).statistics(0, aa);
            assertEquals((1 + 0.25 + 0.5) / 3, st.get(0).value(), 1e-6); // sink mass (key 0)
            assertEquals(
                    (1 + 0.75 + 0.3) / 3,
                    st.get(1).value(),
                    1e-6); // within distance 1: the diagonal
            double h1 = -(0.25 * Math.log(0.25) + 0.75 * Math.log(0.75)),
                    h2 = -(0.5 * Math.log(0.5) + 0.2 * Math.log(0.2) + 0.3 * Math.log(0.3));
            assertEquals((h1 + h2) / 3, st.get(2).value(), 1e-6);
            // sequence: needle token 7 at position 0; the answer (position 2) repeats it; query 1
            // attends key 1 most
            int[] ids = {7, 8, 7};
            assertEquals(
                    0.0,
                    new HeadProfiler(1, 0, 1)
                            .retrieval(0, aa, ids, new int[] {1}, 0, 1)
                            .get(0)
                            .value(),
                    1e-9);
            float[] b = {
                1, 0, 0, 0.9f, 0.1f, 0, 0.5f, 0.2f, 0.3f
            }; // now query 1's top-1 is the needle
            NDArray bb = m.create(b, new Shape(1, 1, 1, 3, 3));
            assertEquals(
                    1.0,
                    new HeadProfiler(1, 0, 1)
                            .retrieval(0, bb, ids, new int[] {1}, 0, 1)
                            .get(0)
                            .value(),
                    1e-9);
        }
    }

    @Test
    void densityClosedFormMatchesEnumeration() {
        for (int n : new int[] {1, 7, 64, 100}) {
            for (int sink : new int[] {0, 1, 4}) {
                for (int w : new int[] {0, 1, 5, 16, 200}) {
                    long count = 0;
                    for (int i = 0; i < n; i++)
                        for (int j = 0; j <= i; j++) if (w <= 0 || j < sink || i - j < w) count++;
                    assertEquals(
                            count,
                            SpanDensity.pairs(n, sink, w),
                            "n=" + n + " sink=" + sink + " w=" + w);
                }
            }
        }
    }
}
