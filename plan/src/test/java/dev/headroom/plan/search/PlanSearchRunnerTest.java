package dev.headroom.plan.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headroom.attention.plan.AttentionPlan;
import dev.headroom.plan.profile.ProfileRow;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlanSearchRunnerTest {

    @Test
    void choosesByValidationAndSplitsDuoByRetrievalScore() {
        int block = 64;
        List<ProfileRow> rows = new ArrayList<>();
        for (int n : new int[] {512, 1024}) {
            for (int l = 0; l < 2; l++) {
                for (int h = 0; h < 2; h++) {
                    boolean retrieval = l == 0 && h == 1;
                    for (int b = 0; b < n / block; b++) {
                        rows.add(
                                new ProfileRow(
                                        l,
                                        2 * h,
                                        h,
                                        n,
                                        ProfileRow.INFLUENCE_PREFIX + b,
                                        retrieval ? 1.0 : (b == 0 ? 5 : 1e-4)));
                    }
                    rows.add(
                            new ProfileRow(
                                    l, 2 * h, h, n, ProfileRow.RETRIEVAL, retrieval ? 0.8 : 0.05));
                    rows.add(
                            new ProfileRow(
                                    l,
                                    2 * h + 1,
                                    h,
                                    n,
                                    ProfileRow.RETRIEVAL,
                                    retrieval ? 0.6 : 0.0));
                }
            }
        }
        SearchSettings s =
                new SearchSettings(16, block, 64, 256, 4, 0.45, new int[] {2048}, 8, 5, 256, 0.0);
        List<Integer> validated = new ArrayList<>();
        PlanSearchRunner.Outcome out =
                new PlanSearchRunner(s)
                        .run(
                                rows,
                                2,
                                2,
                                "hash",
                                heads -> {
                                    validated.add(heads.size());
                                    // held-out loss: whatever the retrieval head cannot see at 2048
                                    // tokens
                                    int w = heads.get(1).window(2048);
                                    return w == 0 ? 0 : (2048.0 - w) / 2048;
                                });
        AttentionPlan moa = out.chosen();
        assertEquals(
                out.front().size() + 1,
                validated.size(),
                "every front plan and the duo plan are validated");
        assertTrue(out.front().stream().anyMatch(e -> e.method().equals("moa")));
        assertTrue(
                out.front().stream().anyMatch(e -> e.method().equals("hybrid")),
                "hybrid: duo's retrieval heads pinned full");
        out.front().stream()
                .filter(e -> e.method().equals("hybrid"))
                .forEach(
                        e ->
                                assertTrue(
                                        e.heads().get(1).isFull(),
                                        "the retrieval head stays full in every hybrid plan"));
        assertEquals(4, moa.heads().size());
        assertTrue(moa.density(2048) <= 0.45 + 1e-9);
        assertEquals(
                moa.validation().get("loss"),
                out.front().stream()
                        .mapToDouble(PlanSearchRunner.FrontEntry::validationLoss)
                        .min()
                        .orElseThrow());
        assertEquals(out.front().get(out.chosenIndex()).method(), moa.method());
        AttentionPlan duo = out.duo();
        assertTrue(
                duo.density(2048) <= 0.45 + 1e-9, "duo at the same budget: " + duo.density(2048));
        assertEquals(
                "retrieval",
                duo.head(0, 1).kind(),
                "the highest retrieval score keeps the full cache");
        assertEquals("streaming", duo.head(1, 1).kind());
    }
}
