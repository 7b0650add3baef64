package dev.mmel.core;

import java.text.Normalizer;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The normalised form names and aliases are matched under (DME's look-up of a mention's surface
 * form): compatibility-decomposed, accents dropped from Latin and Greek letters only (elsewhere
 * combining marks make other letters: カ/ガ, и/й), case-folded (ß = ss),
 * punctuation as spaces, spaces collapsed. "Stéfanie  POWERS!" and "Stefanie Powers" share the
 * key "stefanie powers".
 */
public final class NameKeys {
  /** Wikipedia-style disambiguation: "Fred (footballer, born 1979)". */
  private static final Pattern QUALIFIER = Pattern.compile("\\s*\\([^()]*\\)\\s*$");

  /** Parts kept per entity: what a Milvus array field holds, and plenty for real names. */
  public static final int MAX_ENTITY_PARTS = 256;

  private NameKeys() {}

  /**
   * The parts ({@link #partsOf(String)}) of an entity's name and aliases, name first, that are
   * not already one of their whole keys, at most {@link #MAX_ENTITY_PARTS}: the keys the entity
   * is found under by part of a name.
   */
  public static Set<String> partsOf(String name, List<String> aliases) {
    Set<String> whole = new LinkedHashSet<>();
    Set<String> parts = new LinkedHashSet<>(partsOf(name));
    whole.add(of(name));
    for (String alias : aliases) {
      whole.add(of(alias));
      parts.addAll(partsOf(alias));
    }
    parts.removeAll(whole);
    return parts.stream().limit(MAX_ENTITY_PARTS)
        .collect(Collectors.toCollection(LinkedHashSet::new));
  }

  /**
   * The keys a name is also found under when a mention gives only part of it, as captions do
   * ("Powers" for Stefanie Powers, "Fred" for Fred (footballer, born 1979)): every leading and
   * every trailing run of its words, once a trailing parenthesised qualifier is dropped; the
   * name's own key ({@link #of}) is not among them. Only runs at either end, so that a name of n
   * words has at most 2n - 1 parts, and the middle word of "John Fitzgerald Kennedy" finds
   * nothing.
   */
  public static Set<String> partsOf(String name) {
    String whole = of(name);
    String[] words = of(QUALIFIER.matcher(name).replaceFirst("")).split(" ");
    Set<String> parts = new LinkedHashSet<>();
    for (int end = 1; end <= words.length; end++) {
      parts.add(String.join(" ", Arrays.copyOfRange(words, 0, end)));
    }
    for (int start = 1; start < words.length; start++) {
      parts.add(String.join(" ", Arrays.copyOfRange(words, start, words.length)));
    }
    parts.remove(whole);
    parts.remove("");
    return parts;
  }

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
