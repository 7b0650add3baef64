package dev.mmel.model.config;

/**
 * The MMoE matcher (spec 4-7). {@code frozenMeanBatch} only matters in faithful mode: the frozen
 * gate divides by {@code mean + 1e-6 / frozenMeanBatch}, which equals the batch formula
 * {@code n Q / (sum Q + 1e-6)} when the stored mean was measured at that batch size.
 */
public record MatcherConfig(
    int hiddenDim,
    int experts,
    int topK,
    GateMode gateMode,
    int frozenMeanBatch) {

  public MatcherConfig {
    ConfigChecks.positive("matcher.hidden_dim", hiddenDim);
    ConfigChecks.positive("matcher.experts", experts);
    ConfigChecks.positive("matcher.top_k", topK);
    if (topK > experts) {
      throw new IllegalArgumentException("matcher.top_k must be at most matcher.experts ("
          + experts + "), got " + topK);
    }
    ConfigChecks.notNull("matcher.gate_mode", gateMode);
    ConfigChecks.positive("matcher.frozen_mean_batch", frozenMeanBatch);
  }

  public MatcherConfig withGateMode(GateMode mode) {
    return new MatcherConfig(hiddenDim, experts, topK, mode, frozenMeanBatch);
  }

  public MatcherConfig withTopK(int k) {
    return new MatcherConfig(hiddenDim, experts, k, gateMode, frozenMeanBatch);
  }
}
