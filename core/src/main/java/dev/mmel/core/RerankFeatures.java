package dev.mmel.core;

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
    if (bytes.length != 2 * schema.rerankFloats()) {
      throw new IllegalArgumentException("rerank features hold " + bytes.length
          + " bytes; the schema needs " + 2 * schema.rerankFloats());
    }
    int d = schema.hiddenDim();
    int[] lengths = {d, schema.textPositions() * d, d, schema.imagePositions() * d};
    float[][] parts = new float[4][];
    int at = 0;
    for (int p = 0; p < 4; p++) {
      parts[p] = new float[lengths[p]];
      for (int i = 0; i < lengths[p]; i++) {
        short half = (short) ((bytes[at] & 0xFF) | (bytes[at + 1] << 8));
        parts[p][i] = Float16.halfToFloat(half);
        at += 2;
      }
    }
    return new RerankFeatures(parts[0], parts[1], parts[2], parts[3]);
  }
}
