package dev.mmel.model.runtime;

import dev.mmel.model.config.ModelConfig;
import dev.mmel.model.config.TokenizerKind;

/**
 * Checks what callers hand the model before it reaches TensorFlow, so a bad request fails with a
 * message naming the field and the limit instead of a native error deep in a graph.
 */
final class ModelInputs {
  /** Items per call; larger batches should be split by the caller (memory grows linearly). */
  static final int MAX_BATCH = 4096;

  private ModelInputs() {}

  static void checkItems(String what, int[][] ids, float[][] pixels, ModelConfig config) {
    if (ids == null || ids.length == 0) {
      throw new IllegalArgumentException(what + ".text_ids must hold at least one item");
    }
    if (ids.length > MAX_BATCH) {
      throw new IllegalArgumentException(what + ".text_ids holds " + ids.length
          + " items; at most " + MAX_BATCH + " per call");
    }
    if (pixels != null && pixels.length != ids.length) {
      throw new IllegalArgumentException(what + ".pixels holds " + pixels.length
          + " items but text_ids holds " + ids.length);
    }
    int length = config.contextLength();
    int vocab = config.text().vocabSize();
    for (int i = 0; i < ids.length; i++) {
      int[] row = ids[i];
      if (row == null || row.length != length) {
        throw new IllegalArgumentException(what + ".text_ids[" + i + "] must hold exactly "
            + length + " token ids (use the model's tokenizer, encodePadded), got "
            + (row == null ? "null" : row.length));
      }
      boolean hasEos = false;
      for (int id : row) {
        if (id < 0 || id >= vocab) {
          throw new IllegalArgumentException(what + ".text_ids[" + i + "] holds token id " + id
              + ", outside [0, " + vocab + ")");
        }
        hasEos |= id == ModelConfig.EOS_TOKEN;
      }
      if (config.text().tokenizer() == TokenizerKind.CLIP_BPE && !hasEos) {
        throw new IllegalArgumentException(what + ".text_ids[" + i
            + "] has no end-of-text token " + ModelConfig.EOS_TOKEN);
      }
      // WordPiece rows are padded with 0: a row that starts with it holds no text, not even [CLS].
      if (config.text().tokenizer() == TokenizerKind.WORDPIECE && row[0] == 0) {
        throw new IllegalArgumentException(what + ".text_ids[" + i
            + "] starts with the pad id 0; a WordPiece row starts with [CLS]");
      }
    }
    if (pixels != null && config.hasVision()) {
      int size = config.vision().imageSize();
      int expected = 3 * size * size;
      for (int i = 0; i < pixels.length; i++) {
        float[] image = pixels[i];
        if (image == null) {
          continue;
        }
        if (image.length != expected) {
          throw new IllegalArgumentException(what + ".pixels[" + i + "] must hold 3x" + size
              + "x" + size + " = " + expected + " floats, got " + image.length);
        }
        for (float value : image) {
          if (!Float.isFinite(value)) {
            throw new IllegalArgumentException(what + ".pixels[" + i + "] holds " + value);
          }
        }
      }
    }
  }
}
