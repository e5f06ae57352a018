package dev.headroom.stages.profile;

import dev.headroom.plan.profile.ProfileRow;
import java.io.Serializable;
import org.apache.beam.sdk.transforms.Combine;

/** Averages one (layer, head, length, metric) over samples. */
final class MeanProfileRow extends Combine.CombineFn<ProfileRow, MeanProfileRow.Acc, ProfileRow> {

    static final class Acc implements Serializable {
        ProfileRow template;
        double sum;
        long count;

        // equal encodings must mean equal values, or the DirectRunner's mutation checks complain
        @Override
        public boolean equals(Object o) {
            return o instanceof Acc a
                    && java.util.Objects.equals(template, a.template)
                    && sum == a.sum
                    && count == a.count;
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(template, sum, count);
        }
    }

    @Override
    public Acc createAccumulator() {
        return new Acc();
    }

    @Override
    public Acc addInput(Acc acc, ProfileRow row) {
        if (acc.template == null) acc.template = row;
        acc.sum += row.value();
        acc.count++;
        return acc;
    }

    @Override
    public Acc mergeAccumulators(Iterable<Acc> accs) {
        Acc out = new Acc();
        for (Acc a : accs) {
            if (out.template == null) out.template = a.template;
            out.sum += a.sum;
            out.count += a.count;
        }
        return out;
    }

    @Override
    public ProfileRow extractOutput(Acc acc) {
        ProfileRow t = acc.template;
        return new ProfileRow(
                t.layer(), t.head(), t.kvHead(), t.length(), t.metric(), acc.sum / acc.count);
    }
}
