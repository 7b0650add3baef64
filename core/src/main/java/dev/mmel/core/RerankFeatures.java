package dev.mmel.core;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ShortBuffer;

/**
 * An entity's rerank features (spec 9): c and Qry for text and image, row-major. Stores keep them
 * as IEEE half floats ({@link #toFp16}), which halves their size at about 3 significant digits.
 */
public record RerankFeatures(float[] textC, float[] textQuery, float[] imageC,
    float[] imageQuery) {

  /** All four arrays as consecutive little-endian half floats. */
  public byte[] toFp16() {
    int total = textC.length + textQuery.length + imageC.length + imageQuery.length;
    byte[] bytes = new byte[2 * total];
    int at = 0;
    for (float[] part : new float[][] {textC, textQuery, imageC, imageQuery}) {
      for (float value : part) {
        short half = Float16.floatToHalf(value);
        bytes[at++] = (byte) half;
        bytes[at++] = (byte) (half >> 8);
      }
    }
    return bytes;
  }

  public static RerankFeatures fromFp16(byte[] bytes, IndexSchema schema) {
    return fromFp16(bytes, 0, bytes.length, schema);
  }

  /** As {@link #fromFp16(byte[], IndexSchema)}, from {@code length} bytes at {@code offset}. */
  public static RerankFeatures fromFp16(byte[] bytes, int offset, int length,
      IndexSchema schema) {
    if (length != 2 * schema.rerankFloats()) {
      throw new IllegalArgumentException("rerank features hold " + length
          + " bytes; the schema needs " + 2 * schema.rerankFloats());
    }
    int d = schema.hiddenDim();
    int[] lengths = {d, schema.textPositions() * d, d, schema.imagePositions() * d};
    ShortBuffer halves = ByteBuffer.wrap(bytes, offset, length).slice()
        .order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
    float[][] parts = new float[4][];
    int at = 0;
    for (int p = 0; p < 4; p++) {
      float[] part = new float[lengths[p]];
      for (int i = 0; i < part.length; i++) {
        part[i] = Float16.halfToFloat(halves.get(at + i));
      }
      parts[p] = part;
      at += part.length;
    }
    return new RerankFeatures(parts[0], parts[1], parts[2], parts[3]);
  }
}
