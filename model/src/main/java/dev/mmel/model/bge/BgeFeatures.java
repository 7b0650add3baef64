package dev.mmel.model.bge;

/**
 * Features of {@code count} texts from {@link BgeSmallEncoder}. {@code pooled}: [count * width]
 * row-major, the L2-normalised [CLS] final hidden state (bge's sentence embedding).
 * {@code tokens}: [count * positions * width], the final hidden states at every one of the
 * {@code positions} positions; rows at pad positions (after a text's [SEP]) are zeros, because each
 * text is run unpadded (see {@link BgeSmallEncoder}).
 */
public record BgeFeatures(int count, int positions, int width, float[] pooled, float[] tokens) {

  public BgeFeatures {
    if (count < 1 || positions < 1 || width < 1) {
      throw new IllegalArgumentException("count, positions and width must be >= 1, got " + count + ", "
          + positions + ", " + width);
    }
    if (pooled.length != (long) count * width || tokens.length != (long) count * positions * width) {
      throw new IllegalArgumentException("pooled must hold count * width = " + (long) count * width
          + " values and tokens count * positions * width = " + (long) count * positions * width
          + ", got " + pooled.length + " and " + tokens.length);
    }
  }
}
