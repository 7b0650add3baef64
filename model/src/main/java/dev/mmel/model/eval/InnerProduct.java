package dev.mmel.model.eval;

/** The inner product of two float vectors, the hot loop of every brute-force search here. */
public final class InnerProduct {
  private InnerProduct() {}

  /** Over the length of {@code a}; four running sums let the JIT keep the loop pipelined. */
  public static float dot(float[] a, float[] b) {
    float s0 = 0;
    float s1 = 0;
    float s2 = 0;
    float s3 = 0;
    int i = 0;
    for (int end = a.length - 3; i < end; i += 4) {
      s0 += a[i] * b[i];
      s1 += a[i + 1] * b[i + 1];
      s2 += a[i + 2] * b[i + 2];
      s3 += a[i + 3] * b[i + 3];
    }
    for (; i < a.length; i++) {
      s0 += a[i] * b[i];
    }
    return (s0 + s1) + (s2 + s3);
  }
}
