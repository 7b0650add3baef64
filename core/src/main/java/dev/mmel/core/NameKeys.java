package dev.mmel.core;

import java.text.Normalizer;
import java.util.Locale;

/**
 * The normalised form names and aliases are matched under (DME's look-up of a mention's surface
 * form): compatibility-decomposed, accents dropped from Latin and Greek letters only (elsewhere
 * combining marks make other letters: カ/ガ, и/й), case-folded (ß = ss),
 * punctuation as spaces, spaces collapsed. "Stéfanie  POWERS!" and "Stefanie Powers" share the
 * key "stefanie powers".
 */
public final class NameKeys {
  private NameKeys() {}

  public static String of(String text) {
    String decomposed = Normalizer.normalize(text, Normalizer.Form.NFKD);
    StringBuilder kept = new StringBuilder(decomposed.length());
    Character.UnicodeScript base = Character.UnicodeScript.COMMON;
    for (int i = 0; i < decomposed.length(); ) {
      int cp = decomposed.codePointAt(i);
      i += Character.charCount(cp);
      int type = Character.getType(cp);
      boolean mark = type == Character.NON_SPACING_MARK || type == Character.ENCLOSING_MARK
          || type == Character.COMBINING_SPACING_MARK;
      if (!mark) {
        base = Character.UnicodeScript.of(cp);
      } else if (accentsDroppable(base)) {
        continue;
      }
      kept.appendCodePoint(mark || Character.isLetterOrDigit(cp) ? cp : ' ');
    }
    String folded = Normalizer.normalize(kept, Normalizer.Form.NFC)
        .toUpperCase(Locale.ROOT).toLowerCase(Locale.ROOT);
    return folded.trim().replaceAll(" +", " ");
  }

  private static boolean accentsDroppable(Character.UnicodeScript script) {
    return script == Character.UnicodeScript.LATIN || script == Character.UnicodeScript.GREEK;
  }
}
