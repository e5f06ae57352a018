package dev.headroom.stages.quantizekv;

import dev.headroom.stages.shared.KvQuantRow;
import java.io.Serializable;
import java.util.Arrays;
import org.apache.beam.sdk.transforms.Combine;

/**
 * Averages one (layer, KV head, scheme) over samples; sums in a fixed order of the four measures so
 * that runners agree.
 */
final class MeanKvQuantRow extends Combine.CombineFn<KvQuantRow, MeanKvQuantRow.Acc, KvQuantRow> {

    static final class Acc implements Serializable {
        KvQuantRow template;
        double[] sum = new double[4];
        long count;

        @Override
        public boolean equals(Object o) {
            return o instanceof Acc a
                    && java.util.Objects.equals(template, a.template)
                    && Arrays.equals(sum, a.sum)
                    && count == a.count;
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(template, Arrays.hashCode(sum), count);
        }
    }

    @Override
    public Acc createAccumulator() {
        return new Acc();
    }

    @Override
    public Acc addInput(Acc acc, KvQuantRow r) {
        if (acc.template == null) acc.template = r;
        acc.sum[0] += r.keyError();
        acc.sum[1] += r.valueError();
        acc.sum[2] += r.attentionError();
        acc.sum[3] += r.sensitivity();
        acc.count += r.samples();
        return acc;
    }

    @Override
    public Acc mergeAccumulators(Iterable<Acc> accs) {
        Acc m = createAccumulator();
        for (Acc a : accs) {
            if (m.template == null) m.template = a.template;
            for (int i = 0; i < 4; i++) m.sum[i] += a.sum[i];
            m.count += a.count;
        }
        return m;
    }

    @Override
    public KvQuantRow extractOutput(Acc a) {
        KvQuantRow t = a.template;
        double n = Math.max(1, a.count);
        return KvQuantRow.of(
                t.measured(), a.sum[0] / n, a.sum[1] / n, a.sum[2] / n, a.sum[3] / n, a.count);
    }
}
