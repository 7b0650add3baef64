package dev.mmel.app.bench;

/** The percentile rule every bench reports latencies with. */
final class Percentiles {
  private Percentiles() {}

  /**
   * The value {@code fraction} of {@code sorted} (ascending, not empty) did not exceed, by the
   * nearest-rank rule: the ceil(fraction * n)-th smallest.
   */
  static long nearestRank(long[] sorted, double fraction) {
    if (sorted.length == 0) {
      throw new IllegalArgumentException("no values to take a percentile of");
    }
    if (!(fraction > 0 && fraction <= 1)) {
      throw new IllegalArgumentException("fraction must be in (0, 1], got " + fraction);
    }
    int rank = (int) Math.ceil(fraction * sorted.length);
    return sorted[Math.max(0, rank - 1)];
  }
}
