package dev.mmel.model.bge;

import java.text.Normalizer;

/**
 * The normalizer of bge's tokenizer.json ({@code BertNormalizer} with clean_text,
 * handle_chinese_chars and lowercase on, strip_accents unset and therefore following lowercase),
 * applied in Hugging Face's order: drop NUL, U+FFFD, control, format and private-use characters, turn whitespace into
 * spaces, surround CJK ideographs with spaces, decompose (NFD) and drop nonspacing marks, lower-case.
 */
final class BertNormalizer {

  String normalize(String text) {
    StringBuilder cleaned = new StringBuilder(text.length() + 16);
    text.codePoints().forEach(cp -> {
      if (cp == 0 || cp == 0xFFFD || isOther(cp)) {
        return;
      }
      if (isWhitespace(cp)) {
        cleaned.append(' ');
      } else if (isCjkIdeograph(cp)) {
        cleaned.append(' ').appendCodePoint(cp).append(' ');
      } else {
        cleaned.appendCodePoint(cp);
      }
    });
    String decomposed = Normalizer.normalize(cleaned, Normalizer.Form.NFD);
    StringBuilder out = new StringBuilder(decomposed.length());
    // Per code point, as Rust's char::to_lowercase: no final-sigma context. The one character with a
    // multi-character lower case (U+0130) was decomposed and lost its dot above already.
    decomposed.codePoints()
        .filter(cp -> Character.getType(cp) != Character.NON_SPACING_MARK)
        .forEach(cp -> out.appendCodePoint(Character.toLowerCase(cp)));
    return out.toString();
  }

  /** Rust's char::is_whitespace (the Unicode White_Space property); tab, newline, CR included. */
  static boolean isWhitespace(int cp) {
    return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
        || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
        || cp == 0x205F || cp == 0x3000;
  }

  /**
   * Categories Cc, Cf, Co and Cs, except tab, newline and CR, which count as whitespace. Unassigned
   * code points (Cn) stay: Hugging Face's tables do not list them, and it keeps them too.
   */
  private static boolean isOther(int cp) {
    if (cp == '\t' || cp == '\n' || cp == '\r') {
      return false;
    }
    switch (Character.getType(cp)) {
      case Character.CONTROL:
      case Character.FORMAT:
      case Character.PRIVATE_USE:
      case Character.SURROGATE:
        return true;
      default:
        return false;
    }
  }

  /** The CJK blocks BERT treats as one word per character. */
  private static boolean isCjkIdeograph(int cp) {
    return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF)
        || (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F)
        || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF)
        || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
  }
}
