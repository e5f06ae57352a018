package dev.headroom.plan.profile;

import dev.headroom.attention.cpu.LoadedModel;
import java.lang.ref.PhantomReference;
import java.lang.ref.ReferenceQueue;
import java.nio.file.Path;
import java.util.List;

/** Fixtures shared by the profile tests. */
final class ProfileTestSupport {
    private ProfileTestSupport() {}

    /** The 2-layer Llama fixture (4 query heads, 2 KV heads, vocabulary 128). */
    static Path fixtureModel() {
        return Path.of(System.getProperty("headroom.repo.root", ".."))
                .resolve("attention/src/test/resources/hf-fixtures/llama_f32_untied_ropeparams");
    }

    static LoadedModel loadFixture() {
        return LoadedModel.load(fixtureModel());
    }

    /** A copy prompt of {@code n} tokens whose answer repeats tokens 5..7 (the needle). */
    static CalibrationSample copySample(int n, int step) {
        int[] prompt = new int[n];
        for (int i = 0; i < n; i++) prompt[i] = 3 + (i * step) % 100;
        return CalibrationSample.promptAndAnswer(
                "copy", n + 3, 0, prompt, new int[] {prompt[5], prompt[6], prompt[7]}, 5, 8);
    }

    /**
     * A full garbage collection, then a wait until the reference handler has run the cleaners it
     * found: the memory of unreachable direct buffers is back with malloc (and overwritten by its
     * free-list pointers).
     */
    static void collectGarbage() {
        ReferenceQueue<Object> queue = new ReferenceQueue<>();
        Object canary = new Object();
        PhantomReference<Object> ref = new PhantomReference<>(canary, queue);
        canary = null;
        try {
            for (int i = 0; i < 20 && queue.remove(50) == null; i++) System.gc();
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ref.clear();
    }

    /**
     * The largest relative difference |a - b| / max(|a|, |b|, floor) over rows in the same order
     * and keys.
     */
    static double maxRelativeDifference(List<ProfileRow> a, List<ProfileRow> b, double floor) {
        if (a.size() != b.size()) throw new AssertionError(a.size() + " rows against " + b.size());
        double worst = 0;
        for (int i = 0; i < a.size(); i++) {
            if (!a.get(i).key().equals(b.get(i).key()))
                throw new AssertionError(a.get(i).key() + " against " + b.get(i).key());
            double x = a.get(i).value(), y = b.get(i).value();
            double d =
                    Double.isNaN(x) || Double.isNaN(y)
                            ? Double.POSITIVE_INFINITY
                            : Math.abs(x - y) / Math.max(floor, Math.max(Math.abs(x), Math.abs(y)));
            worst = Math.max(worst, d);
        }
        return worst;
    }
}
