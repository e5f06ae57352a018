package dev.headroom.stages.profile;

import dev.headroom.plan.profile.ProfileRow;
import dev.headroom.stages.shared.CalibrationSpec;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.values.PCollection;

/**
 * The profile stage's work: how much each head's long-range attention matters to the loss.
 *
 * <p>Input: {@code PCollection<CalibrationSpec>}, one element per calibration sample (task × length
 * × sample). Output: {@code PCollection<ProfileRow>}, one row per layer × head × length × metric,
 * averaged over samples.
 *
 * <p>Steps: {@code Spread samples} (reshuffle over workers), {@code Profile samples} (forward +
 * backward of the dense model; MoA influence, retrieval score and attention statistics per head),
 * {@code Average over samples}.
 */
public final class ProfileHeads
        extends PTransform<PCollection<CalibrationSpec>, PCollection<ProfileRow>> {
    private final String modelDir;
    private final boolean addBos;
    private final int block, sink, localDistance;
    private final double lossTemperature;
    private final String progressKey;

    /**
     * @param block width of the key-distance bins influence is summed into
     * @param sink initial tokens every pattern keeps (their influence is not counted)
     * @param localDistance d of the "attention mass within distance d" statistic
     * @param lossTemperature T of the profiled loss, cross-entropy of logits / T (1 = MoA's)
     */
    public ProfileHeads(
            String modelDir,
            boolean addBos,
            int block,
            int sink,
            int localDistance,
            double lossTemperature,
            String progressKey) {
        this.lossTemperature = lossTemperature;
        this.modelDir = modelDir;
        this.addBos = addBos;
        this.block = block;
        this.sink = sink;
        this.localDistance = localDistance;
        this.progressKey = progressKey;
    }

    @Override
    public PCollection<ProfileRow> expand(PCollection<CalibrationSpec> specs) {
        return specs.apply("Spread samples", Reshuffle.viaRandomKey())
                .apply(
                        "Profile samples",
                        ParDo.of(
                                new ProfileSampleFn(
                                        modelDir,
                                        addBos,
                                        block,
                                        sink,
                                        localDistance,
                                        lossTemperature,
                                        progressKey)))
                .setCoder(KvCoder.of(StringUtf8Coder.of(), SerializableCoder.of(ProfileRow.class)))
                .apply("Average over samples", Combine.perKey(new MeanProfileRow()))
                .apply("Rows", Values.create())
                .setCoder(SerializableCoder.of(ProfileRow.class));
    }
}
