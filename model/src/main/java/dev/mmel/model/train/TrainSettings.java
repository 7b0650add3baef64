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

  /**
   * Spec 7's schedule (batch 32, 20 epochs, validation every 2, patience 3, seed 43, learning
   * rate 1e-5), all of the validation split, frozen means from 50 batches, KB chunks of 2048.
   */
  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    Builder builder = new Builder();
    builder.batchSize = batchSize;
    builder.epochs = epochs;
    builder.validateEvery = validateEvery;
    builder.patience = patience;
    builder.seed = seed;
    builder.optimiser = optimiser;
    builder.validationLimit = validationLimit;
    builder.calibrationBatches = calibrationBatches;
    builder.kbChunk = kbChunk;
    return builder;
  }

  public static final class Builder {
    private int batchSize = 32;
    private int epochs = 20;
    private int validateEvery = 2;
    private int patience = 3;
    private long seed = 43;
    private AdamW optimiser = AdamW.spec(1e-5);
    private int validationLimit;
    private int calibrationBatches = 50;
    private int kbChunk = 2048;

    private Builder() {}

    public Builder batchSize(int mentions) {
      this.batchSize = mentions;
      return this;
    }

    public Builder epochs(int limit) {
      this.epochs = limit;
      return this;
    }

    public Builder validateEvery(int epochCount) {
      this.validateEvery = epochCount;
      return this;
    }

    public Builder patience(int validations) {
      this.patience = validations;
      return this;
    }

    public Builder seed(long value) {
      this.seed = value;
      return this;
    }

    /** AdamW with spec 7's betas, epsilon and decay at this constant learning rate. */
    public Builder learningRate(double rate) {
      this.optimiser = AdamW.spec(rate);
      return this;
    }

    /** Rank only the first N validation mentions (0 = all). */
    public Builder validationLimit(int mentions) {
      this.validationLimit = mentions;
      return this;
    }

    public Builder calibrationBatches(int batches) {
      this.calibrationBatches = batches;
      return this;
    }

    public Builder kbChunk(int entities) {
      this.kbChunk = entities;
      return this;
    }

    public TrainSettings build() {
      return new TrainSettings(batchSize, epochs, validateEvery, patience, seed, optimiser,
          validationLimit, calibrationBatches, kbChunk);
    }
  }
}
