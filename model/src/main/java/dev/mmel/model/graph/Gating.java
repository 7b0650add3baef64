package dev.mmel.model.graph;

/** How one graph path computes expert weights from router probabilities. */
enum Gating {
  /** Top-k per token, renormalised (the paper's intent and the serving default). */
  PER_TOKEN,
  /** The reference code's mask divided by the mean over the items of the same call. */
  FAITHFUL_BATCH,
  /** The faithful mask divided by a stored mean, so each item is independent of its batch. */
  FAITHFUL_FROZEN
}
