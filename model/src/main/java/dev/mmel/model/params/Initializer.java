package dev.mmel.model.params;

import java.util.SplittableRandom;

/** How a parameter is filled when a model is created with random weights. */
public sealed interface Initializer {

  void fill(float[] values, SplittableRandom random);

  static Initializer normal(double std) {
    return new Normal(std);
  }

  static Initializer uniform(double bound) {
    return new Uniform(bound);
  }

  static Initializer constant(double value) {
    return new Constant(value);
  }

  record Normal(double std) implements Initializer {
    @Override
    public void fill(float[] values, SplittableRandom random) {
      for (int i = 0; i < values.length; i++) {
        values[i] = (float) (gaussian(random) * std);
      }
    }
  }

  record Uniform(double bound) implements Initializer {
    @Override
    public void fill(float[] values, SplittableRandom random) {
      for (int i = 0; i < values.length; i++) {
        values[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
      }
    }
  }

  record Constant(double value) implements Initializer {
    @Override
    public void fill(float[] values, SplittableRandom random) {
      java.util.Arrays.fill(values, (float) value);
    }
  }

  /** Box-Muller, because SplittableRandom has no gaussian of its own on Java 17. */
  private static double gaussian(SplittableRandom random) {
    double u = 1.0 - random.nextDouble();
    double v = random.nextDouble();
    return Math.sqrt(-2.0 * Math.log(u)) * Math.cos(2.0 * Math.PI * v);
  }
}
