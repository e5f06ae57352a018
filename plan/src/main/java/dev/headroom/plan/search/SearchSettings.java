package dev.headroom.plan.search;

import java.io.Serializable;

/**
 * What the search stage is asked: the sink every head keeps, the candidate grid (alpha in steps up
 * to a maximum, beta in 1/betaSteps steps, plus full), the mean-density budget and the lengths it
 * applies at, the most distinct spans per layer, the solver's time limit, DuoAttention's streaming
 * window for the duo plan, and the weight of retrieval scores in the predicted loss (0 = MoA's
 * influence alone; see {@link InfluenceTable}).
 */
public record SearchSettings(
        int sink,
        int block,
        int alphaStep,
        int alphaMax,
        int betaSteps,
        double densityBudget,
        int[] budgetLengths,
        int maxSpansPerLayer,
        double timeLimitSeconds,
        int duoStreamingWindow,
        double retrievalWeight)
        implements Serializable {}
