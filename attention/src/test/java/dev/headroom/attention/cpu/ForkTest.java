package dev.headroom.attention.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.headroom.attention.TestModels;
import dev.headroom.attention.cache.KiviFormat;
import dev.headroom.attention.policy.DensePolicy;
import dev.headroom.attention.policy.QuantizedKvPolicy;
import dev.headroom.attention.policy.UniformSinkWindowPolicy;
import dev.headroom.attention.runtime.RuntimeSequence;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A dense prefill forked into a KIVI cache is the KIVI sequence: same codes, same decoded logits.
 */
class ForkTest {

    @Test
    void forkedSequenceEqualsOneOpenedWithTheFormat() {
        try (LoadedModel model = LoadedModel.load(TestModels.shared("stories260K"))) {
            int[] ids = new int[150];
            Random r = new Random(3);
            for (int i = 0; i < ids.length; i++) ids[i] = 3 + r.nextInt(400);
            QuantizedKvPolicy kivi =
                    new QuantizedKvPolicy(
                            new DensePolicy(), new KiviFormat(2, 8, 32, 1), "kivi2-r32");
            try (RuntimeSequence dense = model.open(new DensePolicy(), ids.length);
                    RuntimeSequence direct = model.open(kivi, ids.length)) {
                dense.prefill(ids);
                direct.prefill(ids);
                try (RuntimeSequence forked = dense.fork(kivi)) {
                    assertEquals(direct.cacheBytes(), forked.cacheBytes());
                    assertEquals(direct.position(), forked.position());
                    for (int l = 0; l < model.config().numLayers(); l++)
                        for (int h = 0; h < model.config().numKvHeads(); h++) {
                            float[][] a = direct.cachedKeys(l, h), b = forked.cachedKeys(l, h);
                            for (int t = 0; t < a.length; t++) assertArrayEquals(a[t], b[t]);
                        }
                    for (int step = 0; step < 40; step++) {
                        int next = 3 + step;
                        assertArrayEquals(direct.decode(next), forked.decode(next), 1e-5f);
                    }
                    assertEquals(direct.cacheBytes(), forked.cacheBytes());
                }
                // the dense sequence is untouched: its cache still holds fp32 keys
                assertEquals(ids.length, dense.heldTokens(0, 0));
            }
            try (RuntimeSequence windowed =
                    model.open(UniformSinkWindowPolicy.tokens(2, 16), ids.length)) {
                windowed.prefill(ids);
                assertThrows(IllegalArgumentException.class, () -> windowed.fork(kivi));
            }
        }
    }
}
