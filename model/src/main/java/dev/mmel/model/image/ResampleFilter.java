package dev.mmel.model.image;

/**
 * The two Pillow filters mmel resizes with, each with Pillow's support (in source pixels at
 * scale 1) and its kernel, evaluated in double as Pillow's {@code Resample.c} does.
 */
enum ResampleFilter {
  /** Keys' cubic convolution with a = -0.5. */
  BICUBIC(2.0) {
    @Override
    double kernel(double x) {
      double ax = Math.abs(x);
      if (ax < 1.0) {
        return ((A + 2.0) * ax - (A + 3.0)) * ax * ax + 1;
      }
      if (ax < 2.0) {
        return (((ax - 5) * ax + 8) * ax - 4) * A;
      }
      return 0.0;
    }
  },
  /** sinc(x) sinc(x / 3) on [-3, 3): Pillow's three-lobe LANCZOS (once called ANTIALIAS). */
  LANCZOS(3.0) {
    @Override
    double kernel(double x) {
      if (-3.0 <= x && x < 3.0) {
        return sinc(x) * sinc(x / 3);
      }
      return 0.0;
    }
  };

  private static final double A = -0.5;

  private final double support;

  ResampleFilter(double support) {
    this.support = support;
  }

  double support() {
    return support;
  }

  abstract double kernel(double x);

  private static double sinc(double x) {
    if (x == 0.0) {
      return 1.0;
    }
    double px = x * Math.PI;
    // StrictMath gives the same bits on every JVM; ImagePreprocessorReferenceIT checks that the
    // weights it leads to are C's, through Pillow's output.
    return StrictMath.sin(px) / px;
  }
}
