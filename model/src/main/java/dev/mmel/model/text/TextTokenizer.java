package dev.mmel.model.text;

import java.util.List;

/**
 * Text to the fixed-length id rows a model's text tower reads. Which implementation a model needs
 * is recorded in its config ({@code text.tokenizer}); {@code ModelDirectory.tokenizer()} loads it
 * from the vocabulary file the directory carries.
 */
public interface TextTokenizer {
  /** Exactly {@code contextLength} ids: start, the text's tokens (cut to fit), end, then pads. */
  int[] encodePadded(String text, int contextLength);

  /** {@link #encodePadded} of each text, in order. */
  default int[][] encodeBatch(List<String> texts, int contextLength) {
    int[][] out = new int[texts.size()][];
    for (int i = 0; i < out.length; i++) {
      out[i] = encodePadded(texts.get(i), contextLength);
    }
    return out;
  }
}
