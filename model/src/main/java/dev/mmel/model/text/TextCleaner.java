package dev.mmel.model.text;

import java.text.Normalizer;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The text normalisation OpenAI's CLIP tokenizer applies before splitting text into words:
 * {@code whitespace_clean(basic_clean(text)).lower()}, where {@code basic_clean} is ftfy's
 * {@code fix_text}, then Python's {@code html.unescape} twice, then {@code strip}.
 *
 * <p>Of ftfy 6's {@code fix_text} this implements every fix that looks at characters alone:
 * HTML references when the line has no '&lt;' (and none came before), C1 control characters read
 * as Windows-1252, Latin ligatures, full-width and half-width forms, curly quotes, line breaks,
 * unpaired surrogates, ANSI terminal escapes, control characters and NFC, repeated per line until
 * nothing changes, as ftfy does. ftfy's mojibake repair ({@code fix_encoding}: guessing that text
 * was decoded with the wrong codec and re-decoding it) is out of scope: it rests on a statistical
 * "badness" heuristic, and text that needs it is passed through unrepaired. ftfy also cuts lines
 * longer than a million characters into separate pieces; here a line is always one piece.
 *
 * <p>HTML names beyond the HTML&nbsp;4 set are left undecoded (see {@link HtmlEntities}).
 * Lower-casing follows Python's {@code str.lower}, including its Final_Sigma rule, which differs
 * from Java's word-boundary based one. Character properties come from the running JDK's Unicode
 * tables, so characters assigned after that Unicode version may be classified differently from
 * Python.
 */
public final class TextCleaner {

  private static final Pattern TERMINAL_ESCAPE = Pattern.compile("\u001B\\[[\\p{Nd};]*[a-zA-Z]");

  private static final int WIDTH_FIRST = 0xFF01;
  private static final int WIDTH_LAST = 0xFFEF;
  /** NFKC of each half-width or full-width form, or null where NFKC leaves it alone. */
  private static final String[] WIDTH_MAP = new String[WIDTH_LAST - WIDTH_FIRST + 1];

  static {
    for (int c = WIDTH_FIRST; c <= WIDTH_LAST; c++) {
      String s = String.valueOf((char) c);
      String normal = Normalizer.normalize(s, Normalizer.Form.NFKC);
      WIDTH_MAP[c - WIDTH_FIRST] = normal.equals(s) ? null : normal;
    }
  }

  private TextCleaner() {
  }

  /** The text exactly as CLIP's tokenizer sees it before its word-splitting regex. */
  public static String clean(String text) {
    String fixed = isPlainAscii(text) ? text : HtmlEntities.unescape(HtmlEntities.unescape(fixText(text)));
    return lower(collapseWhitespace(fixed));
  }

  /**
   * True when none of ftfy's fixes nor HTML unescaping can change the text: printable ASCII,
   * tabs and newlines only, and no '&amp;'.
   */
  private static boolean isPlainAscii(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if ((c < 0x20 && c != '\t' && c != '\n') || c > 0x7E || c == '&') {
        return false;
      }
    }
    return true;
  }

  /** ftfy's {@code fix_text} without mojibake repair. */
  static String fixText(String text) {
    StringBuilder out = null;
    boolean unescapeHtml = true;
    int pos = 0;
    while (pos < text.length()) {
      int newline = text.indexOf('\n', pos);
      int end = newline < 0 ? text.length() : newline + 1;
      String line = text.substring(pos, end);
      // ftfy stops decoding HTML for good at the first line that looks like markup.
      if (unescapeHtml && line.indexOf('<') >= 0) {
        unescapeHtml = false;
      }
      String fixed = fixLine(line, unescapeHtml);
      if (pos == 0 && end == text.length()) {
        return fixed;
      }
      if (out == null) {
        out = new StringBuilder(text.length());
      }
      out.append(fixed);
      pos = end;
    }
    return out == null ? text : out.toString();
  }

  private static String fixLine(String line, boolean unescapeHtml) {
    String text = line;
    while (true) {
      String before = text;
      if (unescapeHtml) {
        text = HtmlEntities.unescapeStrict(text);
      }
      text = fixC1Controls(text);
      text = fixLatinLigatures(text);
      text = fixCharacterWidth(text);
      text = uncurlQuotes(text);
      text = fixLineBreaks(text);
      text = fixSurrogates(text);
      text = removeTerminalEscapes(text);
      text = removeControlChars(text);
      if (!Normalizer.isNormalized(text, Normalizer.Form.NFC)) {
        text = Normalizer.normalize(text, Normalizer.Form.NFC);
      }
      if (text.equals(before)) {
        return text;
      }
    }
  }

  private static String fixC1Controls(String text) {
    StringBuilder out = null;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c >= 0x80 && c <= 0x9F) {
        if (out == null) {
          out = new StringBuilder(text.length()).append(text, 0, i);
        }
        out.append(HtmlEntities.windows1252C1(c - 0x80));
      } else if (out != null) {
        out.append(c);
      }
    }
    return out == null ? text : out.toString();
  }

  private static String ligature(char c) {
    switch (c) {
      case '\u0132': return "IJ";
      case '\u0133': return "ij";
      case '\u0149': return "\u02BCn";
      case '\u01F1': return "DZ";
      case '\u01F2': return "Dz";
      case '\u01F3': return "dz";
      case '\u01C4': return "D\u017D";
      case '\u01C5': return "D\u017E";
      case '\u01C6': return "d\u017E";
      case '\u01C7': return "LJ";
      case '\u01C8': return "Lj";
      case '\u01C9': return "lj";
      case '\u01CA': return "NJ";
      case '\u01CB': return "Nj";
      case '\u01CC': return "nj";
      case '\uFB00': return "ff";
      case '\uFB01': return "fi";
      case '\uFB02': return "fl";
      case '\uFB03': return "ffi";
      case '\uFB04': return "ffl";
      case '\uFB05': return "\u017Ft";
      case '\uFB06': return "st";
      default: return null;
    }
  }

  private static String fixLatinLigatures(String text) {
    StringBuilder out = null;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      String replacement = c < 0x132 ? null : ligature(c);
      if (replacement != null) {
        if (out == null) {
          out = new StringBuilder(text.length() + 8).append(text, 0, i);
        }
        out.append(replacement);
      } else if (out != null) {
        out.append(c);
      }
    }
    return out == null ? text : out.toString();
  }

  private static String fixCharacterWidth(String text) {
    StringBuilder out = null;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      String replacement = null;
      if (c == '\u3000') {
        replacement = " ";
      } else if (c >= WIDTH_FIRST && c <= WIDTH_LAST) {
        replacement = WIDTH_MAP[c - WIDTH_FIRST];
      }
      if (replacement != null) {
        if (out == null) {
          out = new StringBuilder(text.length()).append(text, 0, i);
        }
        out.append(replacement);
      } else if (out != null) {
        out.append(c);
      }
    }
    return out == null ? text : out.toString();
  }

  private static String uncurlQuotes(String text) {
    char[] chars = null;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      char straight = c == '\u02BC' || (c >= '\u2018' && c <= '\u201B') ? '\''
          : c >= '\u201C' && c <= '\u201F' ? '"' : c;
      if (straight != c) {
        if (chars == null) {
          chars = text.toCharArray();
        }
        chars[i] = straight;
      }
    }
    return chars == null ? text : new String(chars);
  }

  private static String fixLineBreaks(String text) {
    StringBuilder out = null;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      boolean isBreak = c == '\r' || c == '\u2028' || c == '\u2029' || c == '\u0085';
      if (isBreak) {
        if (out == null) {
          out = new StringBuilder(text.length()).append(text, 0, i);
        }
        out.append('\n');
        if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
          i++;
        }
      } else if (out != null) {
        out.append(c);
      }
    }
    return out == null ? text : out.toString();
  }

  private static String fixSurrogates(String text) {
    char[] chars = null;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        if (chars == null) {
          chars = text.toCharArray();
        }
        chars[i] = '\uFFFD';
      }
    }
    return chars == null ? text : new String(chars);
  }

  private static String removeTerminalEscapes(String text) {
    return text.indexOf('\u001B') < 0 ? text : TERMINAL_ESCAPE.matcher(text).replaceAll("");
  }

  /**
   * ftfy's list: C0 controls other than tab, newlines, form feed and carriage return; DEL;
   * deprecated Arabic format controls; the byte order mark; interlinear annotation marks and
   * the object replacement character.
   */
  private static boolean isUnwantedControl(char c) {
    return c <= 0x08 || c == 0x0B || (c >= 0x0E && c <= 0x1F) || c == 0x7F
        || (c >= 0x206A && c <= 0x206F) || c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFC);
  }

  private static String removeControlChars(String text) {
    StringBuilder out = null;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (isUnwantedControl(c)) {
        if (out == null) {
          out = new StringBuilder(text.length()).append(text, 0, i);
        }
      } else if (out != null) {
        out.append(c);
      }
    }
    return out == null ? text : out.toString();
  }

  /** Unicode White_Space, which is what Python's {@code regex} module means by {@code \s}. */
  static boolean isWhitespace(char c) {
    return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680
        || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F
        || c == 0x205F || c == 0x3000;
  }

  /** {@code re.sub(r'\s+', ' ', text).strip()}. */
  static String collapseWhitespace(String text) {
    if (isCollapsed(text)) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length());
    boolean pendingSpace = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (isWhitespace(c)) {
        pendingSpace = out.length() > 0;
      } else {
        if (pendingSpace) {
          out.append(' ');
          pendingSpace = false;
        }
        out.append(c);
      }
    }
    return out.toString();
  }

  private static boolean isCollapsed(String text) {
    int n = text.length();
    if (n == 0) {
      return true;
    }
    if (isWhitespace(text.charAt(0)) || isWhitespace(text.charAt(n - 1))) {
      return false;
    }
    for (int i = 1; i < n - 1; i++) {
      char c = text.charAt(i);
      if (c == ' ' ? isWhitespace(text.charAt(i + 1)) : isWhitespace(c)) {
        return false;
      }
    }
    return true;
  }

  /** Python's {@code str.lower()}. */
  static String lower(String text) {
    // Apart from final sigma, Java's root-locale mapping is Python's (U+0130 included).
    if (text.indexOf('\u03A3') < 0) {
      return text.toLowerCase(Locale.ROOT);
    }
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); ) {
      int cp = text.codePointAt(i);
      if (cp == '\u03A3') {
        out.append(isFinalSigma(text, i) ? '\u03C2' : '\u03C3');
      } else {
        out.append(new String(Character.toChars(cp)).toLowerCase(Locale.ROOT));
      }
      i += Character.charCount(cp);
    }
    return out.toString();
  }

  /**
   * Python's rule: a cased letter, then any case-ignorable characters, then the sigma, and no
   * cased letter after it once case-ignorable characters are skipped. Java's own rule looks at
   * word boundaries instead, which disagrees around symbols such as '^' or '`'.
   */
  private static boolean isFinalSigma(String text, int index) {
    int j = index;
    int before = -1;
    while (j > 0) {
      before = text.codePointBefore(j);
      if (!isCaseIgnorable(before)) {
        break;
      }
      j -= Character.charCount(before);
      before = -1;
    }
    if (before < 0 || !isCased(before)) {
      return false;
    }
    j = index + 1;
    while (j < text.length()) {
      int after = text.codePointAt(j);
      if (!isCaseIgnorable(after)) {
        return !isCased(after);
      }
      j += Character.charCount(after);
    }
    return true;
  }

  private static boolean isCased(int cp) {
    return Character.isLowerCase(cp) || Character.isUpperCase(cp) || Character.isTitleCase(cp);
  }

  /** Unicode Case_Ignorable: marks, format controls, modifiers and word-internal punctuation. */
  private static boolean isCaseIgnorable(int cp) {
    switch (Character.getType(cp)) {
      case Character.NON_SPACING_MARK:
      case Character.ENCLOSING_MARK:
      case Character.FORMAT:
      case Character.MODIFIER_LETTER:
      case Character.MODIFIER_SYMBOL:
        return true;
      default:
        return cp == '\'' || cp == '.' || cp == ':' || cp == 0x00B7 || cp == 0x0387 || cp == 0x055F
            || cp == 0x05F4 || cp == 0x2018 || cp == 0x2019 || cp == 0x2024 || cp == 0x2027
            || cp == 0xFE13 || cp == 0xFE52 || cp == 0xFE55 || cp == 0xFF07 || cp == 0xFF0E
            || cp == 0xFF1A;
    }
  }
}
