package dev.headroom.attention.gpu.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headroom.attention.model.ModelConfig;
import dev.headroom.attention.policy.ArtifactResolver;
import dev.headroom.attention.policy.LayerAttention;
import dev.headroom.attention.policy.LayerContext;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** The bench's model shape and plan, which need no GPU. */
class E2eBenchTest {
    @Test
    void theShapeIsLlama31_8b() throws IOException {
        ModelConfig c = E2eBench.llama31_8b();
        assertEquals(32, c.numLayers());
        assertEquals(32, c.numHeads());
        assertEquals(8, c.numKvHeads());
        assertEquals(128, c.headDim());
        assertEquals(14336, c.intermediateSize());
        assertEquals(128256, c.vocabSize());
    }

    @Test
    void thePlanKeepsTwoFullHeadsPerLayer() throws IOException {
        ModelConfig c = E2eBench.llama31_8b();
        LayerAttention layer =
                E2eBench.plan(c, 32768)
                        .forLayer(new LayerContext(c, 5, 32768, ArtifactResolver.NONE));
        assertTrue(layer.head(0).pattern().isFull());
        assertTrue(layer.head(1).pattern().isFull());
        for (int h = 2; h < 8; h++) {
            assertEquals(64, layer.head(h).pattern().sink());
            assertEquals(1024, layer.head(h).pattern().window());
        }
    }

    @Test
    void relativeL2AndArgmax() {
        assertEquals(0.0, E2eBench.relL2(new float[] {1, 2}, new float[] {1, 2}));
        assertEquals(0.5, E2eBench.relL2(new float[] {1, 0}, new float[] {2, 0}), 1e-12);
        assertEquals(2, E2eBench.argmax(new float[] {0, 1, 3, 3}));
    }
}
