package dev.mmel.core;

import java.util.List;
import java.util.function.Function;

/** Rows of equal width packed in one flat row-major array: gathering and concatenating them. */
public final class FlatRows {
  private FlatRows() {}

  /** These rows of {@code values} (which holds {@code count} rows), in this order. */
  public static float[] gather(float[] values, int count, int[] rows) {
    int width = count == 0 ? 0 : values.length / count;
    float[] out = new float[rows.length * width];
    for (int i = 0; i < rows.length; i++) {
      if (rows[i] < 0 || rows[i] >= count) {
        throw new IndexOutOfBoundsException("row " + rows[i] + " of " + count);
      }
      System.arraycopy(values, rows[i] * width, out, i * width, width);
    }
    return out;
  }

  /** The arrays {@code part} picks from each block, one after the other. */
  public static <T> float[] concat(List<T> blocks, Function<T, float[]> part) {
    int total = blocks.stream().mapToInt(b -> part.apply(b).length).sum();
    float[] out = new float[total];
    int offset = 0;
    for (T block : blocks) {
      float[] values = part.apply(block);
      System.arraycopy(values, 0, out, offset, values.length);
      offset += values.length;
    }
    return out;
  }
}
