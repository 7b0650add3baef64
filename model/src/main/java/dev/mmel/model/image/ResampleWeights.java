package dev.mmel.model.image;

/**
 * Fixed-point bicubic filter taps for resampling one axis, computed with the same double
 * arithmetic, in the same order, as Pillow's {@code precompute_coeffs} and {@code
 * normalize_coeffs_8bpc}, so that the integer weights, and therefore the 8-bit results, agree bit
 * for bit.
 */
final class ResampleWeights {
  /** Pillow's {@code 32 - 8 - 2}: room for 8-bit values, the sign, and sums of weights above 1. */
  static final int PRECISION_BITS = 32 - 8 - 2;

  private static final double SUPPORT = 2.0;
  private static final double A = -0.5;

  private final int taps;
  private final int[] first;
  private final int[] count;
  private final int[] weights;

  private ResampleWeights(int taps, int[] first, int[] count, int[] weights) {
    this.taps = taps;
    this.first = first;
    this.count = count;
    this.weights = weights;
  }

  /** Taps mapping {@code inSize} source samples onto {@code outSize} output samples. */
  static ResampleWeights bicubic(int inSize, int outSize) {
    // Pillow receives the source box as floats; above 2^24 the float rounding changes the scale.
    float boxEnd = inSize;
    double scale = (double) boxEnd / outSize;
    // When shrinking, the kernel is stretched to cover every source pixel (antialiasing).
    double filterScale = Math.max(scale, 1.0);
    double support = SUPPORT * filterScale;
    int taps = (int) Math.ceil(support) * 2 + 1;
    int[] first = new int[outSize];
    int[] count = new int[outSize];
    int[] weights = new int[outSize * taps];
    double[] kernel = new double[taps];
    for (int out = 0; out < outSize; out++) {
      double center = (out + 0.5) * scale;
      double invScale = 1.0 / filterScale;
      // Truncation after adding 0.5 is Pillow's rounding; it differs from Math.round below zero.
      int min = Math.max((int) (center - support + 0.5), 0);
      int max = Math.min((int) (center + support + 0.5), inSize) - min;
      double sum = 0.0;
      for (int k = 0; k < max; k++) {
        double w = filter((k + min - center + 0.5) * invScale);
        kernel[k] = w;
        sum += w;
      }
      for (int k = 0; k < max; k++) {
        double w = sum != 0.0 ? kernel[k] / sum : kernel[k];
        weights[out * taps + k] = toFixedPoint(w);
      }
      first[out] = min;
      count[out] = max;
    }
    return new ResampleWeights(taps, first, count, weights);
  }

  private static double filter(double x) {
    double ax = Math.abs(x);
    if (ax < 1.0) {
      return ((A + 2.0) * ax - (A + 3.0)) * ax * ax + 1;
    }
    if (ax < 2.0) {
      return (((ax - 5) * ax + 8) * ax - 4) * A;
    }
    return 0.0;
  }

  private static int toFixedPoint(double w) {
    double scaled = w * (1 << PRECISION_BITS);
    return (int) (w < 0 ? -0.5 + scaled : 0.5 + scaled);
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
