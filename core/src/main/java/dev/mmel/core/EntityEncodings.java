package dev.mmel.core;

import java.util.Arrays;
import java.util.List;

/**
 * Entity-side encodings of n entities (spec 9): the retrieval vector e_e, and the rerank features
 * c and Qry for text and image. Arrays are row-major and flat, item-major first.
 */
public record EntityEncodings(
    int count,
    int retrievalDim,
    int hiddenDim,
    int textPositions,
    int imagePositions,
    float[] retrieval,
    float[] textC,
    float[] textQuery,
    float[] imageC,
    float[] imageQuery) {

  public EntityEncodings {
    check("retrieval", retrieval, (long) count * retrievalDim);
    check("text_c", textC, (long) count * hiddenDim);
    check("text_query", textQuery, (long) count * textPositions * hiddenDim);
    check("image_c", imageC, (long) count * hiddenDim);
    check("image_query", imageQuery, (long) count * imagePositions * hiddenDim);
  }

  static void check(String field, float[] values, long expected) {
    if (values.length != expected) {
      throw new IllegalArgumentException(
          field + " holds " + values.length + " floats, expected " + expected);
    }
  }

  /** Floats of rerank features per entity: 2 x (d + positions x d), spec 9. */
  public int rerankFloats() {
    return hiddenDim + textPositions * hiddenDim + hiddenDim + imagePositions * hiddenDim;
  }

  public float[] retrievalOf(int item) {
    return slice(retrieval, item, retrievalDim);
  }

  /** Stored entities (e.g. a mention's candidates read from an index) as one batch, in order. */
  public static EntityEncodings of(List<EncodedEntity> entities, IndexSchema schema) {
    int n = entities.size();
    int d = schema.hiddenDim();
    float[] retrieval = new float[n * schema.retrievalDim()];
    float[] textC = new float[n * d];
    float[] textQuery = new float[n * schema.textPositions() * d];
    float[] imageC = new float[n * d];
    float[] imageQuery = new float[n * schema.imagePositions() * d];
    for (int i = 0; i < n; i++) {
      EncodedEntity entity = entities.get(i);
      RerankFeatures f = entity.rerank();
      System.arraycopy(entity.retrieval(), 0, retrieval, i * schema.retrievalDim(),
          schema.retrievalDim());
      System.arraycopy(f.textC(), 0, textC, i * d, d);
      System.arraycopy(f.textQuery(), 0, textQuery, i * f.textQuery().length,
          f.textQuery().length);
      System.arraycopy(f.imageC(), 0, imageC, i * d, d);
      System.arraycopy(f.imageQuery(), 0, imageQuery, i * f.imageQuery().length,
          f.imageQuery().length);
    }
    return new EntityEncodings(n, schema.retrievalDim(), d, schema.textPositions(),
        schema.imagePositions(), retrieval, textC, textQuery, imageC, imageQuery);
  }

  /** These rows, in this order (repeats allowed), as encodings of their own. */
  public EntityEncodings select(int[] rows) {
    return new EntityEncodings(rows.length, retrievalDim, hiddenDim, textPositions,
        imagePositions, FlatRows.gather(retrieval, count, rows),
        FlatRows.gather(textC, count, rows), FlatRows.gather(textQuery, count, rows),
        FlatRows.gather(imageC, count, rows), FlatRows.gather(imageQuery, count, rows));
  }

  /** The blocks' rows one after the other; every block must have the same shapes. */
  public static EntityEncodings concat(List<EntityEncodings> blocks) {
    EntityEncodings first = blocks.get(0);
    return new EntityEncodings(blocks.stream().mapToInt(EntityEncodings::count).sum(),
        first.retrievalDim, first.hiddenDim, first.textPositions, first.imagePositions,
        FlatRows.concat(blocks, EntityEncodings::retrieval),
        FlatRows.concat(blocks, EntityEncodings::textC),
        FlatRows.concat(blocks, EntityEncodings::textQuery),
        FlatRows.concat(blocks, EntityEncodings::imageC),
        FlatRows.concat(blocks, EntityEncodings::imageQuery));
  }

  /** The rows {@code from..to-1} as their own encodings. */
  public EntityEncodings rows(int from, int to) {
    int n = to - from;
    return new EntityEncodings(n, retrievalDim, hiddenDim, textPositions, imagePositions,
        range(retrieval, from, to, retrievalDim), range(textC, from, to, hiddenDim),
        range(textQuery, from, to, textPositions * hiddenDim), range(imageC, from, to, hiddenDim),
        range(imageQuery, from, to, imagePositions * hiddenDim));
  }

  static float[] slice(float[] values, int item, int width) {
    return Arrays.copyOfRange(values, item * width, (item + 1) * width);
  }

  static float[] range(float[] values, int from, int to, int width) {
    return Arrays.copyOfRange(values, from * width, to * width);
  }
}
