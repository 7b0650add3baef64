package dev.mmel.model.eval;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A paired bootstrap confidence interval for the difference of two evaluations' means over the
 * same items (per-mention hits or reciprocal ranks): the items are resampled with replacement,
 * both sides together, and the interval is the percentile interval of the resampled mean
 * differences. Pairing matters: both models meet the same hard and easy mentions, so the
 * difference varies far less than either mean. Each call starts from the seed, so an interval
 * depends only on its inputs, the resample count and the seed.
 */
public final class PairedBootstrap {
  public static final int DEFAULT_RESAMPLES = 10_000;
  public static final double DEFAULT_LEVEL = 0.95;

  private final int resamples;
  private final double level;
  private final long seed;

  /** The observed mean difference (b - a) and its interval at the bootstrap's level. */
  public record Interval(double difference, double lower, double upper) {
    public boolean contains(double value) {
      return lower <= value && value <= upper;
    }
  }

  public PairedBootstrap(int resamples, double level, long seed) {
    if (resamples < 100) {
      throw new IllegalArgumentException("--resamples must be >= 100 for a percentile "
          + "interval, got " + resamples);
    }
    if (!(level > 0 && level < 1)) {
      throw new IllegalArgumentException("the confidence level must be within (0, 1), got "
          + level);
    }
    this.resamples = resamples;
    this.level = level;
    this.seed = seed;
  }

  public int resamples() {
    return resamples;
  }

  public double level() {
    return level;
  }

  public long seed() {
    return seed;
  }

  /** {@code a[i]} and {@code b[i]} belong to the same item; the difference is b - a. */
  public Interval meanDifference(double[] a, double[] b) {
    if (a.length != b.length || a.length == 0) {
      throw new IllegalArgumentException("paired values need the same, non-zero count, got "
          + a.length + " and " + b.length);
    }
    int n = a.length;
    double[] differences = new double[n];
    double observed = 0;
    for (int i = 0; i < n; i++) {
      differences[i] = b[i] - a[i];
      observed += differences[i];
    }
    SplittableRandom random = new SplittableRandom(seed);
    double[] means = new double[resamples];
    for (int r = 0; r < resamples; r++) {
      double sum = 0;
      for (int i = 0; i < n; i++) {
        sum += differences[random.nextInt(n)];
      }
      means[r] = sum / n;
    }
    Arrays.sort(means);
    double tail = (1 - level) / 2;
    int low = (int) Math.floor(tail * (resamples - 1));
    int high = (int) Math.ceil((1 - tail) * (resamples - 1));
    return new Interval(observed / n, means[low], means[high]);
  }
}
