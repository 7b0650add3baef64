package dev.mmel.retriever;

import java.text.Normalizer;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The normalised form names and aliases are matched under (DME's look-up of a mention's surface
 * form): compatibility-decomposed, accents dropped, lower-cased, punctuation as spaces, spaces
 * collapsed. "Stéfanie  POWERS!" and "Stefanie Powers" share the key "stefanie powers".
 */
public final class NameKeys {
  private static final Pattern MARKS = Pattern.compile("\\p{M}+");
  private static final Pattern NON_WORD = Pattern.compile("[^\\p{L}\\p{N}]+");

  private NameKeys() {}

  public static String of(String text) {
    String decomposed = Normalizer.normalize(text, Normalizer.Form.NFKD);
    String bare = MARKS.matcher(decomposed).replaceAll("");
    return NON_WORD.matcher(bare.toLowerCase(Locale.ROOT)).replaceAll(" ").strip();
  }
}
