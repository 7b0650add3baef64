package dev.mmel.core;

import java.util.List;

/**
 * Mention-side encodings of n mentions (spec 9): the query vector q_m (already divided by 6, so
 * q_m . e_e = F) and the Key/Val states that rerank needs, for text and image.
 */
public record MentionEncodings(
    int count,
    int retrievalDim,
    int hiddenDim,
    int textPositions,
    int imagePositions,
    float[] query,
    float[] textKey,
    float[] textValue,
    float[] imageKey,
    float[] imageValue) {

  public MentionEncodings {
    EntityEncodings.check("query", query, (long) count * retrievalDim);
    EntityEncodings.check("text_key", textKey, (long) count * textPositions * hiddenDim);
    EntityEncodings.check("text_value", textValue, (long) count * textPositions * hiddenDim);
    EntityEncodings.check("image_key", imageKey, (long) count * imagePositions * hiddenDim);
    EntityEncodings.check("image_value", imageValue, (long) count * imagePositions * hiddenDim);
  }

  /** These rows, in this order (repeats allowed), as encodings of their own. */
  public MentionEncodings select(int[] rows) {
    return new MentionEncodings(rows.length, retrievalDim, hiddenDim, textPositions,
        imagePositions, FlatRows.gather(query, count, rows),
        FlatRows.gather(textKey, count, rows), FlatRows.gather(textValue, count, rows),
        FlatRows.gather(imageKey, count, rows), FlatRows.gather(imageValue, count, rows));
  }

  /** The blocks' rows one after the other; every block must have the same shapes. */
  public static MentionEncodings concat(List<MentionEncodings> blocks) {
    MentionEncodings first = blocks.get(0);
    return new MentionEncodings(blocks.stream().mapToInt(MentionEncodings::count).sum(),
        first.retrievalDim, first.hiddenDim, first.textPositions, first.imagePositions,
        FlatRows.concat(blocks, MentionEncodings::query),
        FlatRows.concat(blocks, MentionEncodings::textKey),
        FlatRows.concat(blocks, MentionEncodings::textValue),
        FlatRows.concat(blocks, MentionEncodings::imageKey),
        FlatRows.concat(blocks, MentionEncodings::imageValue));
  }

  public MentionEncodings rows(int from, int to) {
    return new MentionEncodings(to - from, retrievalDim, hiddenDim, textPositions, imagePositions,
        EntityEncodings.range(query, from, to, retrievalDim),
        EntityEncodings.range(textKey, from, to, textPositions * hiddenDim),
        EntityEncodings.range(textValue, from, to, textPositions * hiddenDim),
        EntityEncodings.range(imageKey, from, to, imagePositions * hiddenDim),
        EntityEncodings.range(imageValue, from, to, imagePositions * hiddenDim));
  }
}
