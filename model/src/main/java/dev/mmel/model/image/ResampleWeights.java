package dev.mmel.model.image;

/**
 * Fixed-point filter taps for resampling one axis, computed with the same double arithmetic, in
 * the same order, as Pillow's {@code precompute_coeffs} and {@code normalize_coeffs_8bpc}, so that
 * the integer weights, and therefore the 8-bit results, agree bit for bit.
 *
 * <p>The taps may cover only a window of the output samples, as when a centre crop keeps part of
 * the resized image: each output sample's taps depend on its own position alone, so the window's
 * samples equal those of the full resize. An axis that keeps its size is the identity, because
 * Pillow skips that pass instead of filtering it.
 */
final class ResampleWeights {
  /** Pillow's {@code 32 - 8 - 2}: room for 8-bit values, the sign, and sums of weights above 1. */
  static final int PRECISION_BITS = 32 - 8 - 2;

  private static final int ONE = 1 << PRECISION_BITS;

  private final int inSize;
  private final int outSize;
  private final int taps;
  private final int[] first;
  private final int[] count;
  private final int[] weights;

  private ResampleWeights(int inSize, int outSize, int taps, int[] first, int[] count,
      int[] weights) {
    this.inSize = inSize;
    this.outSize = outSize;
    this.taps = taps;
    this.first = first;
    this.count = count;
    this.weights = weights;
  }

  /** Taps mapping {@code inSize} source samples onto all {@code outSize} output samples. */
  static ResampleWeights of(ResampleFilter filter, int inSize, int outSize) {
    return window(filter, inSize, outSize, 0, outSize);
  }

  /**
   * Taps of output samples {@code firstOut .. firstOut + outCount - 1} of a resize from {@code
   * inSize} to {@code outSize} samples; output sample {@code i} here is {@code firstOut + i} there.
   */
  static ResampleWeights window(ResampleFilter filter, int inSize, int outSize, int firstOut,
      int outCount) {
    if (inSize < 1 || outSize < 1) {
      throw new IllegalArgumentException(
          "sizes must be positive, got " + inSize + " -> " + outSize);
    }
    if (firstOut < 0 || outCount < 1 || (long) firstOut + outCount > outSize) {
      throw new IllegalArgumentException("window [" + firstOut + ", " + firstOut + "+"
          + outCount + ") must be a non-empty part of the " + outSize + " output samples");
    }
    if (inSize == outSize) {
      int[] first = new int[outCount];
      int[] count = new int[outCount];
      int[] weights = new int[outCount];
      for (int i = 0; i < outCount; i++) {
        first[i] = firstOut + i;
        count[i] = 1;
        weights[i] = ONE;
      }
      return new ResampleWeights(inSize, outSize, 1, first, count, weights);
    }
    // Pillow receives the source box as floats; above 2^24 the float rounding changes the scale.
    float boxEnd = inSize;
    double scale = (double) boxEnd / outSize;
    // When shrinking, the kernel is stretched to cover every source pixel (antialiasing).
    double filterScale = Math.max(scale, 1.0);
    double support = filter.support() * filterScale;
    int taps = (int) Math.ceil(support) * 2 + 1;
    if ((long) taps * outCount > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("resampling " + inSize + " -> " + outSize
          + " samples needs more filter taps than one array can hold");
    }
    int[] first = new int[outCount];
    int[] count = new int[outCount];
    int[] weights = new int[outCount * taps];
    double[] kernel = new double[taps];
    double invScale = 1.0 / filterScale;
    for (int i = 0; i < outCount; i++) {
      double center = (firstOut + i + 0.5) * scale;
      // Truncation after adding 0.5 is Pillow's rounding; it differs from Math.round below zero.
      int min = Math.max((int) (center - support + 0.5), 0);
      int max = Math.min((int) (center + support + 0.5), inSize) - min;
      double sum = 0.0;
      for (int k = 0; k < max; k++) {
        double w = filter.kernel((k + min - center + 0.5) * invScale);
        kernel[k] = w;
        sum += w;
      }
      for (int k = 0; k < max; k++) {
        double w = sum != 0.0 ? kernel[k] / sum : kernel[k];
        weights[i * taps + k] = toFixedPoint(w);
      }
      first[i] = min;
      count[i] = max;
    }
    return new ResampleWeights(inSize, outSize, taps, first, count, weights);
  }

  private static int toFixedPoint(double w) {
    double scaled = w * ONE;
    return (int) (w < 0 ? -0.5 + scaled : 0.5 + scaled);
  }

  /** Number of source samples. */
  int inSize() {
    return inSize;
  }

  /** Number of samples of the whole resize, of which these taps may cover a window. */
  int outSize() {
    return outSize;
  }

  /** Number of output samples these taps cover. */
  int outCount() {
    return first.length;
  }

  /** True when the output is the source unchanged: Pillow skips such a pass. */
  boolean isWholeIdentity() {
    return inSize == outSize && outCount() == outSize;
  }

  /** Index of the first source sample that output sample {@code out} reads. */
  int first(int out) {
    return first[out];
  }

  /** Number of source samples, from {@link #first}, that output sample {@code out} reads. */
  int count(int out) {
    return count[out];
  }

  /** Weight of source sample {@code first(out) + k} in output sample {@code out}. */
  int weight(int out, int k) {
    return weights[out * taps + k];
  }
}
