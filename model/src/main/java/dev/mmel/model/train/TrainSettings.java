package dev.mmel.model.train;

import dev.mmel.model.graph.AdamW;

/**
 * Spec 7's schedule: batch size, epoch limit, validation every N epochs, early stopping on
 * validation MRR after {@code patience} validations without improvement, the seed of the
 * initial weights and of the shuffles. {@code validationLimit} ranks only the first mentions
 * of the validation split (0 = all) when an exhaustive validation would dominate the run.
 */
public record TrainSettings(int batchSize, int epochs, int validateEvery, int patience, long seed,
    AdamW optimiser, int validationLimit, int calibrationBatches, int kbChunk) {

  public TrainSettings {
    if (batchSize < 2) {
      throw new IllegalArgumentException("--batch-size must be >= 2 (in-batch negatives), got "
          + batchSize);
    }
    positive("--epochs", epochs);
    positive("--validate-every", validateEvery);
    positive("--patience", patience);
    positive("--calibration-batches", calibrationBatches);
    positive("--kb-chunk", kbChunk);
    if (validationLimit < 0) {
      throw new IllegalArgumentException("--validation-limit must be >= 0 (0 = all), got "
          + validationLimit);
    }
  }

  private static void positive(String name, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(name + " must be >= 1, got " + value);
    }
  }

  /** Spec 7's values for a dataset: WikiMEL 5e-6, others 1e-5; batch 32, 20 epochs, every 2, patience 3, seed 43. */
  public static TrainSettings preset(String dataset) {
    double lr = dataset.toLowerCase(java.util.Locale.ROOT).contains("wikimel") ? 5e-6 : 1e-5;
    return new TrainSettings(32, 20, 2, 3, 43, AdamW.spec(lr), 0, 50, 2048);
  }
}
