package dev.mmel.model.text;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Decodes HTML character references the two ways CLIP's text cleaning does: Python's
 * {@code html.unescape} (lenient: accepts some names without a semicolon) and ftfy's
 * {@code unescape_html} (strict: only complete references, plus all-caps spellings such as
 * {@code &EACUTE;}).
 *
 * <p>Numeric references ({@code &#233;}, {@code &#xE9;}) follow Python exactly, including its
 * replacement of C1 code points by their Windows-1252 characters and its removal of
 * non-characters. Named references cover the HTML&nbsp;4 set (Latin-1, Greek, symbols,
 * typography), {@code &apos;} and the all-caps HTML5 names of those; every name that HTML5
 * accepts without a semicolon is among them, so the lenient prefix rules are exact. The roughly
 * 2,000 rarely used further HTML5 names (such as {@code &checkmark;} or {@code &NewLine;}) are
 * left as is, where Python would decode them.
 */
final class HtmlEntities {

  /** Names of U+00A0..U+00FF in code point order; HTML5 also accepts each without ';'. */
  private static final String LATIN1_NAMES = "nbsp iexcl cent pound curren yen brvbar sect uml"
      + " copy ordf laquo not shy reg macr deg plusmn sup2 sup3 acute micro para middot cedil"
      + " sup1 ordm raquo frac14 frac12 frac34 iquest Agrave Aacute Acirc Atilde Auml Aring"
      + " AElig Ccedil Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml ETH Ntilde Ograve"
      + " Oacute Ocirc Otilde Ouml times Oslash Ugrave Uacute Ucirc Uuml Yacute THORN szlig"
      + " agrave aacute acirc atilde auml aring aelig ccedil egrave eacute ecirc euml igrave"
      + " iacute icirc iuml eth ntilde ograve oacute ocirc otilde ouml divide oslash ugrave"
      + " uacute ucirc uuml yacute thorn yuml";

  /** Further names as {@code name:hex}; lang and rang carry their HTML5 (not HTML 4) values. */
  private static final String OTHER_NAMES = "apos:27 OElig:152 oelig:153 Scaron:160"
      + " scaron:161 Yuml:178 fnof:192 circ:2c6 tilde:2dc Alpha:391 Beta:392 Gamma:393"
      + " Delta:394 Epsilon:395 Zeta:396 Eta:397 Theta:398 Iota:399 Kappa:39a Lambda:39b"
      + " Mu:39c Nu:39d Xi:39e Omicron:39f Pi:3a0 Rho:3a1 Sigma:3a3 Tau:3a4 Upsilon:3a5"
      + " Phi:3a6 Chi:3a7 Psi:3a8 Omega:3a9 alpha:3b1 beta:3b2 gamma:3b3 delta:3b4"
      + " epsilon:3b5 zeta:3b6 eta:3b7 theta:3b8 iota:3b9 kappa:3ba lambda:3bb mu:3bc"
      + " nu:3bd xi:3be omicron:3bf pi:3c0 rho:3c1 sigmaf:3c2 sigma:3c3 tau:3c4 upsilon:3c5"
      + " phi:3c6 chi:3c7 psi:3c8 omega:3c9 thetasym:3d1 upsih:3d2 piv:3d6 ensp:2002"
      + " emsp:2003 thinsp:2009 zwnj:200c zwj:200d lrm:200e rlm:200f ndash:2013 mdash:2014"
      + " lsquo:2018 rsquo:2019 sbquo:201a ldquo:201c rdquo:201d bdquo:201e dagger:2020"
      + " Dagger:2021 bull:2022 hellip:2026 permil:2030 prime:2032 Prime:2033 lsaquo:2039"
      + " rsaquo:203a oline:203e frasl:2044 euro:20ac image:2111 weierp:2118 real:211c"
      + " trade:2122 TRADE:2122 alefsym:2135 larr:2190 uarr:2191 rarr:2192 darr:2193"
      + " harr:2194 crarr:21b5 lArr:21d0 uArr:21d1 rArr:21d2 dArr:21d3 hArr:21d4 forall:2200"
      + " part:2202 exist:2203 empty:2205 nabla:2207 isin:2208 notin:2209 ni:220b prod:220f"
      + " sum:2211 minus:2212 lowast:2217 radic:221a prop:221d infin:221e ang:2220 and:2227"
      + " or:2228 cap:2229 cup:222a int:222b there4:2234 sim:223c cong:2245 asymp:2248"
      + " ne:2260 equiv:2261 le:2264 ge:2265 sub:2282 sup:2283 nsub:2284 sube:2286"
      + " supe:2287 oplus:2295 otimes:2297 perp:22a5 sdot:22c5 lceil:2308 rceil:2309"
      + " lfloor:230a rfloor:230b loz:25ca spades:2660 clubs:2663 hearts:2665 diams:2666"
      + " lang:27e8 rang:27e9";

  /** ASCII names that HTML5 accepts with or without ';', in both spellings where it has two. */
  private static final String ASCII_LEGACY_NAMES = "quot:22 QUOT:22 amp:26 AMP:26 lt:3c LT:3c"
      + " gt:3e GT:3e COPY:a9 REG:ae";

  /**
   * Windows-1252 readings of bytes 0x80..0x9F; the five bytes Windows-1252 leaves undefined
   * map to themselves, as in ftfy's "sloppy" codec and Python's {@code html} module.
   */
  private static final String WINDOWS_1252_C1 = "\u20ac\u0081\u201a\u0192\u201e\u2026\u2020"
      + "\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f\u0090\u2018\u2019\u201c"
      + "\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178";

  /** Keyed like Python's {@code html.entities.html5}: "amp;" always, "amp" where legal. */
  private static final Map<String, String> PYTHON_NAMES = new HashMap<>();

  /** Keyed by the name without '&' and ';'; the names ftfy's strict decoder knows. */
  private static final Map<String, String> FTFY_NAMES = new HashMap<>();

  private static final Pattern PYTHON_REFERENCE =
      Pattern.compile("&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\\t\\n\\f <&#;]{1,32};?)");
  private static final Pattern FTFY_REFERENCE = Pattern.compile("&#?[0-9A-Za-z]{1,24};");
  private static final Pattern FTFY_NUMERIC = Pattern.compile("&#(?:([0-9]+)|[xX]([0-9a-fA-F]+));");

  static {
    String[] latin1 = LATIN1_NAMES.split(" ");
    for (int i = 0; i < latin1.length; i++) {
      String value = String.valueOf((char) (0xA0 + i));
      PYTHON_NAMES.put(latin1[i] + ";", value);
      PYTHON_NAMES.put(latin1[i], value);
    }
    for (String entry : ASCII_LEGACY_NAMES.split(" ")) {
      String[] parts = entry.split(":");
      String value = Character.toString(Integer.parseInt(parts[1], 16));
      PYTHON_NAMES.put(parts[0] + ";", value);
      PYTHON_NAMES.put(parts[0], value);
    }
    for (String entry : OTHER_NAMES.split(" ")) {
      String[] parts = entry.split(":");
      PYTHON_NAMES.put(parts[0] + ";", Character.toString(Integer.parseInt(parts[1], 16)));
    }
    for (Map.Entry<String, String> e : PYTHON_NAMES.entrySet()) {
      if (e.getKey().endsWith(";")) {
        FTFY_NAMES.put(e.getKey().substring(0, e.getKey().length() - 1), e.getValue());
      }
    }
    // ftfy derives its all-caps aliases from the lower-case names, skipping every spelling
    // that Python's decoder already reads some other way (a real name such as "&TRADE;", or one
    // starting with a name usable without ';').
    Map<String, String> upperAliases = new HashMap<>();
    for (Map.Entry<String, String> e : FTFY_NAMES.entrySet()) {
      String name = e.getKey();
      if (name.equals(name.toLowerCase(Locale.ROOT))) {
        String reference = "&" + name.toUpperCase(Locale.ROOT) + ";";
        if (unescape(reference).equals(reference)) {
          upperAliases.put(name.toUpperCase(Locale.ROOT), e.getValue().toUpperCase(Locale.ROOT));
        }
      }
    }
    FTFY_NAMES.putAll(upperAliases);
  }

  private HtmlEntities() {
  }

  /** The character that byte {@code 0x80 + offset} stands for in (sloppy) Windows-1252. */
  static char windows1252C1(int offset) {
    return WINDOWS_1252_C1.charAt(offset);
  }

  /** Python's {@code html.unescape}. */
  static String unescape(String text) {
    if (text.indexOf('&') < 0) {
      return text;
    }
    Matcher m = PYTHON_REFERENCE.matcher(text);
    StringBuilder out = null;
    int last = 0;
    while (m.find()) {
      if (out == null) {
        out = new StringBuilder(text.length());
      }
      out.append(text, last, m.start()).append(decodePython(m.group(1)));
      last = m.end();
    }
    return out == null ? text : out.append(text, last, text.length()).toString();
  }

  /** ftfy's {@code unescape_html}: complete references only, never a bare "&amp" or "&#65". */
  static String unescapeStrict(String text) {
    if (text.indexOf('&') < 0) {
      return text;
    }
    Matcher m = FTFY_REFERENCE.matcher(text);
    StringBuilder out = null;
    int last = 0;
    while (m.find()) {
      String reference = m.group();
      String decoded = decodeStrict(reference);
      if (decoded != null) {
        if (out == null) {
          out = new StringBuilder(text.length());
        }
        out.append(text, last, m.start()).append(decoded);
        last = m.end();
      }
    }
    return out == null ? text : out.append(text, last, text.length()).toString();
  }

  /** Returns null to keep the reference as written. */
  private static String decodeStrict(String reference) {
    String named = FTFY_NAMES.get(reference.substring(1, reference.length() - 1));
    if (named != null) {
      return named;
    }
    Matcher numeric = FTFY_NUMERIC.matcher(reference);
    if (!numeric.matches()) {
      return null;
    }
    String decoded = numeric.group(1) != null
        ? decodeNumber(numeric.group(1), 10)
        : decodeNumber(numeric.group(2), 16);
    // ftfy rejects any decoding that still contains ';', which is only ever "&#59;" itself.
    return decoded.equals(";") ? null : decoded;
  }

  private static String decodePython(String body) {
    if (body.charAt(0) == '#') {
      boolean hex = body.charAt(1) == 'x' || body.charAt(1) == 'X';
      int end = body.endsWith(";") ? body.length() - 1 : body.length();
      return hex ? decodeNumber(body.substring(2, end), 16) : decodeNumber(body.substring(1, end), 10);
    }
    String value = PYTHON_NAMES.get(body);
    if (value != null) {
      return value;
    }
    // Python's "longest matching name": only names legal without ';' can match a prefix.
    for (int x = body.length() - 1; x > 1; x--) {
      value = PYTHON_NAMES.get(body.substring(0, x));
      if (value != null) {
        return value + body.substring(x);
      }
    }
    return "&" + body;
  }

  private static String decodeNumber(String digits, int radix) {
    int value = 0;
    for (int i = 0; i < digits.length() && value <= Character.MAX_CODE_POINT; i++) {
      value = value * radix + Character.digit(digits.charAt(i), radix);
    }
    if (value == 0) {
      return "\uFFFD";
    }
    if (value == '\r') {
      return "\r";
    }
    if (value >= 0x80 && value <= 0x9F) {
      return String.valueOf(windows1252C1(value - 0x80));
    }
    if (value > Character.MAX_CODE_POINT || (value >= Character.MIN_SURROGATE && value <= Character.MAX_SURROGATE)) {
      return "\uFFFD";
    }
    if (isPythonInvalidCodePoint(value)) {
      return "";
    }
    return Character.toString(value);
  }

  /** The code points Python's {@code html.unescape} drops from numeric references. */
  private static boolean isPythonInvalidCodePoint(int cp) {
    return (cp >= 0x01 && cp <= 0x08) || cp == 0x0B || (cp >= 0x0E && cp <= 0x1F) || cp == 0x7F
        || (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE;
  }
}
