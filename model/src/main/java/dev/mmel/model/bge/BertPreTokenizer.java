package dev.mmel.model.bge;

import java.util.ArrayList;
import java.util.List;

/**
 * Hugging Face's {@code BertPreTokenizer}: words are split at whitespace (dropped) and at every
 * punctuation character, which becomes a word of its own. Punctuation is ASCII punctuation
 * (including symbols such as $, + and ^) or any Unicode P* category.
 */
final class BertPreTokenizer {

  List<String> split(String normalized) {
    List<String> words = new ArrayList<>();
    int start = -1;
    for (int i = 0; i < normalized.length(); ) {
      int cp = normalized.codePointAt(i);
      int next = i + Character.charCount(cp);
      boolean whitespace = BertNormalizer.isWhitespace(cp);
      boolean punctuation = !whitespace && isPunctuation(cp);
      if (whitespace || punctuation) {
        if (start >= 0) {
          words.add(normalized.substring(start, i));
          start = -1;
        }
        if (punctuation) {
          words.add(normalized.substring(i, next));
        }
      } else if (start < 0) {
        start = i;
      }
      i = next;
    }
    if (start >= 0) {
      words.add(normalized.substring(start));
    }
    return words;
  }

  static boolean isPunctuation(int cp) {
    if (cp < 0x80) {
      return (cp >= 0x21 && cp <= 0x2F) || (cp >= 0x3A && cp <= 0x40) || (cp >= 0x5B && cp <= 0x60)
          || (cp >= 0x7B && cp <= 0x7E);
    }
    switch (Character.getType(cp)) {
      case Character.CONNECTOR_PUNCTUATION:
      case Character.DASH_PUNCTUATION:
      case Character.START_PUNCTUATION:
      case Character.END_PUNCTUATION:
      case Character.INITIAL_QUOTE_PUNCTUATION:
      case Character.FINAL_QUOTE_PUNCTUATION:
      case Character.OTHER_PUNCTUATION:
        return true;
      default:
        return false;
    }
  }
}
