package dev.headroom.attention.cpu;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import dev.headroom.attention.HeadroomException;
import dev.headroom.attention.model.ModelConfig;
import dev.headroom.attention.model.RotaryTable;

/**
 * The decoder forward pass shared by the Llama, Mistral and Qwen2 families, in fp32 on DJL
 * NDArrays. Prefill and decode are the same call: T new tokens are appended to the state's caches.
 * Differentiable under DJL autograd. Shapes: B batch, T new tokens, D hidden, H/KV query/KV heads,
 * hd head dim, F MLP width, V vocabulary.
 */
public final class Transformer {
    private final ModelConfig c;
    private final Weights w;
    private final RotaryTable rope;

    public Transformer(ModelConfig config, Weights weights) {
        this.c = config;
        this.w = weights;
        this.rope = new RotaryTable(config);
    }

    public ModelConfig config() {
        return c;
    }

    /**
     * @param ids [B, T] token ids (int or long) at positions state.position() onwards
     * @param lastOnly compute logits for the last position only (decoding), saving the [B, T, V]
     *     projection
     * @return logits [B, T, V], or [B, 1, V] when lastOnly
     */
    public NDArray forward(
            NDArray ids, InferenceState state, AttentionObserver observer, boolean lastOnly) {
        long b = ids.getShape().get(0);
        int t = (int) ids.getShape().get(1);
        int pos0 = state.position();
        int h = c.numHeads(), kv = c.numKvHeads(), hd = c.headDim();
        NDManager m = ids.getManager();
        float[][] table = rope.cosSin(pos0, t);
        NDArray[] cosSin = {
            m.create(table[0], new Shape(t, hd)), m.create(table[1], new Shape(t, hd))
        }; // each [T, hd]

        NDArray x =
                w.embedding()
                        .get(
                                new NDIndex(
                                        "{}",
                                        ids.toType(ai.djl.ndarray.types.DataType.INT64, false)
                                                .flatten()))
                        .reshape(b, t, c.hiddenSize()); // [B, T, D]
        for (int l = 0; l < c.numLayers(); l++) {
            LayerWeights lw = w.layer(l);
            // attention block
            NDArray xn = rmsNorm(x, lw.attnNorm()); // [B, T, D]
            NDArray q = heads(linear(xn, lw.wq(), lw.bq()), b, t, h, hd); // [B, H, T, hd]
            NDArray k = heads(linear(xn, lw.wk(), lw.bk()), b, t, kv, hd); // [B, KV, T, hd]
            NDArray v = heads(linear(xn, lw.wv(), lw.bv()), b, t, kv, hd); // [B, KV, T, hd]
            q = rotate(q, cosSin);
            k = rotate(k, cosSin);
            NDArray att = state.attend(l, q, k, v, pos0, observer); // [B, H, T, hd]
            att = att.transpose(0, 2, 1, 3).reshape(b, t, (long) h * hd); // [B, T, H*hd]
            x = x.add(linear(att, lw.wo(), lw.bo())); // [B, T, D]
            if (observer == null || observer == AttentionObserver.NONE)
                checkFinite(x, l, "attention", pos0, t);
            // SwiGLU MLP block
            NDArray xm = rmsNorm(x, lw.mlpNorm()); // [B, T, D]
            NDArray gate = silu(linear(xm, lw.wGate(), null)); // [B, T, F]
            NDArray up = linear(xm, lw.wUp(), null); // [B, T, F]
            x = x.add(linear(gate.mul(up), lw.wDown(), null)); // [B, T, D]
            if (observer == null || observer == AttentionObserver.NONE)
                checkFinite(x, l, "MLP", pos0, t);
        }
        if (lastOnly && t > 1) x = x.get(new NDIndex(":, {}:, :", t - 1)); // [B, 1, D]
        x = rmsNorm(x, w.finalNorm());
        state.advance(t);
        return linear(x, w.lmHead(), null); // [B, T|1, V]
    }

    /**
     * Refuses a residual stream that holds NaN or Inf, naming the layer and block: the weights are
     * checked finite at load, so an activation overflowed float32, and a NaN would otherwise reach
     * the reports as a wrong answer. Not under an {@link AttentionObserver}: a probe that masks
     * attention entries may empty a row on purpose.
     */
    private static void checkFinite(NDArray x, int layer, String block, int pos0, int t) {
        if (x.isNaN().any().getBoolean() || x.isInfinite().any().getBoolean())
            throw new HeadroomException(
                    "layer "
                            + layer
                            + ": the residual stream after the "
                            + block
                            + " block is not finite (NaN or Inf) at positions "
                            + pos0
                            + ".."
                            + (pos0 + t - 1)
                            + "; the weights are finite, so an activation overflowed float32");
    }

    /** y = x W^T + b, W in the checkpoint's [out, in] layout. */
    static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        NDArray y = x.matMul(weight.transpose());
        return bias == null ? y : y.add(bias);
    }

    /** x / sqrt(mean(x^2) + eps) * weight, over the last axis, in fp32. */
    private NDArray rmsNorm(NDArray x, NDArray weight) {
        NDArray ms = x.square().mean(new int[] {-1}, true);
        return x.div(ms.add(c.rmsNormEps()).sqrt()).mul(weight);
    }

    private static NDArray silu(NDArray x) {
        return x.mul(Activation.sigmoid(x));
    }

    /** [B, T, n*hd] -> [B, n, T, hd] */
    private static NDArray heads(NDArray x, long b, int t, int n, int hd) {
        return x.reshape(b, t, n, hd).transpose(0, 2, 1, 3);
    }

    /**
     * x cos + rotate_half(x) sin, where rotate_half(x) = [-x2, x1] for the halves x1, x2 of the
     * head dim.
     */
    private static NDArray rotate(NDArray x, NDArray[] cosSin) {
        long half = x.getShape().get(3) / 2;
        NDArray x1 = x.get(new NDIndex("..., :{}", half));
        NDArray x2 = x.get(new NDIndex("..., {}:", half));
        NDArray rotated = NDArrays.concat(new NDList(x2.neg(), x1), -1);
        return x.mul(cosSin[0]).add(rotated.mul(cosSin[1]));
    }
}
