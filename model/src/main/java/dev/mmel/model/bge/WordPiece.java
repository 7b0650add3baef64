package dev.mmel.model.bge;

import java.util.Map;

/**
 * Greedy longest-match-first WordPiece: a word is cut into the longest vocabulary entry at its
 * start, then the longest "##"-prefixed entry at each following position. A word longer than the
 * character limit, or one with a position where nothing matches, becomes the single unknown token.
 */
final class WordPiece {
  private final Map<String, Integer> vocab;
  private final String continuingPrefix;
  private final int unknownId;
  private final int maxWordChars;

  WordPiece(Map<String, Integer> vocab, String continuingPrefix, int unknownId, int maxWordChars) {
    this.vocab = Map.copyOf(vocab);
    this.continuingPrefix = continuingPrefix;
    this.unknownId = unknownId;
    this.maxWordChars = maxWordChars;
  }

  void encode(String word, IdList out) {
    int[] cps = word.codePoints().toArray();
    if (cps.length > maxWordChars) {
      out.add(unknownId);
      return;
    }
    int mark = out.size();
    for (int start = 0; start < cps.length; ) {
      int end = cps.length;
      Integer id = lookUp(cps, start, end);
      while (id == null && --end > start) {
        id = lookUp(cps, start, end);
      }
      if (id == null) {
        out.truncate(mark);
        out.add(unknownId);
        return;
      }
      out.add(id);
      start = end;
    }
  }

  private Integer lookUp(int[] cps, int start, int end) {
    String piece = new String(cps, start, end - start);
    return vocab.get(start == 0 ? piece : continuingPrefix + piece);
  }
}
