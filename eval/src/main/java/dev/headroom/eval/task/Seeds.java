package dev.headroom.eval.task;

import java.util.Random;

/**
 * Derives the random stream of one case from its coordinates, so a case never depends on what was
 * generated before it.
 */
final class Seeds {

    private Seeds() {}

    /**
     * The same (seed, task, length, depth, sample) always gives the same stream; java.util.Random's
     * algorithm is specified.
     */
    static Random caseRandom(
            long seed, String task, int targetLength, double depth, int sampleIndex) {
        long h = mix(seed);
        h = mix(h ^ Split.stableHash(task));
        h = mix(h ^ targetLength);
        h = mix(h ^ Double.doubleToLongBits(depth));
        h = mix(h ^ sampleIndex);
        return new Random(h);
    }

    /** splitmix64 finalizer. */
    static long mix(long z) {
        z += 0x9e3779b97f4a7c15L;
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
