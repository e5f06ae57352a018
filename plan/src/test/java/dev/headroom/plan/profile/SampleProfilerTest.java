package dev.headroom.plan.profile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headroom.attention.policy.DensePolicy;
import dev.headroom.attention.policy.UniformSinkWindowPolicy;
import dev.headroom.attention.cpu.LoadedModel;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class SampleProfilerTest {
    private static final Path MODEL = Path.of("../attention/src/test/resources/hf-fixtures/llama_f32_untied_ropeparams");

    @Test
    void profilesEveryHeadAndValidatesLoss() {
        int[] prompt = new int[40];
        for (int i = 0; i < prompt.length; i++) prompt[i] = 3 + (i * 13) % 100;
        CalibrationSample s = CalibrationSample.promptAndAnswer("copy", 48, 0, prompt, new int[] {prompt[5], prompt[6], prompt[7]}, 5, 8);
        try (LoadedModel model = LoadedModel.load(MODEL)) {
            List<ProfileRow> rows = new SampleProfiler(new HeadProfiler(8, 2, 8)).profile(model, s);
            // 2 layers x 4 heads x (6 influence bins of 43 tokens + 3 statistics + retrieval)
            assertEquals(2 * 4 * (6 + 3 + 1), rows.size());
            assertTrue(rows.stream().allMatch(r -> r.length() == 48 && Double.isFinite(r.value())));
            double total = rows.stream().filter(r -> r.metric().startsWith(ProfileRow.INFLUENCE_PREFIX)).mapToDouble(ProfileRow::value).sum();
            assertTrue(total > 0, "some influence");
            double dense = SampleProfiler.loss(model, s, new DensePolicy());
            double narrow = SampleProfiler.loss(model, s, UniformSinkWindowPolicy.tokens(1, 2));
            assertTrue(Double.isFinite(dense) && dense > 0);
            assertTrue(Math.abs(narrow - dense) > 1e-4, "a 2-token window changes the answer loss");
        }
    }
}
