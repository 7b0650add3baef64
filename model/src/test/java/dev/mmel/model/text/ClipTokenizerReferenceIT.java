package dev.mmel.model.text;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mmel.model.config.TextNormalization;
import dev.mmel.model.reference.ReferencePython;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Cross-checks {@link ClipTokenizer} against a real reference: src/test/resources/reference/
 * clip_tokenize.py, which, for OpenAI's normalisation, cleans text with the real ftfy and Python's
 * html module and encodes it with Hugging Face {@code tokenizers} configured like
 * openai/clip-vit-base-patch32, and, for Hugging Face's, runs {@code tokenizers} built as
 * transformers builds CLIPTokenizerFast, normaliser included.
 *
 * <p>The interpreter is {@code -Dmmel.reference.python}, or else the one that
 * {@code infra/reference-venv.sh} creates (which needs PyPI the first time).
 *
 * <p>Every WikiMEL sentence and mention, and every model input text of WikiMEL (mention with its
 * sentence, entity name with its abstract), must give identical ids, with each normalisation
 * against its own reference. Generated adversarial texts must too; for OpenAI's, with one
 * allowance: ftfy's mojibake repair is deliberately not implemented, so a text on
 * which the reference's answer changes when that one ftfy step is switched off is held to the
 * reference without it instead. Such texts are identified by the reference itself (the same
 * script run with {@code --no-fix-encoding}), counted, and must stay a small minority.
 *
 * <p>The generator avoids the places where OpenAI's tokenizer and the Hugging Face BPE that the
 * OpenAI-style reference encodes with knowingly differ: "'ſ", a standalone U+0345, and a special
 * token such as {@code <|endoftext|>} written right after punctuation. The Hugging Face fast
 * reference has none of those allowances and is also given texts made of exactly those. The
 * generator also avoids rarely used HTML5 entity names, which are not decoded, and characters
 * newer than the JDK's Unicode tables.
 */
class ClipTokenizerReferenceIT {

  private static final int ADVERSARIAL_COUNT = 600;
  private static final long SEED = 0x5EED_C11FL;
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final String[] HF_FAST_EDGES = {"it'\u017F", "IT'\u017FS", "a\u0345b", "\u0345",
    "x!<|endoftext|>", "<|ENDOFTEXT|>", "a<|startoftext|>b", "((<|endoftext|>))", "<|endoftext",
    "<<||endoftext|>|>", "Σ^ A^Σ ΟΔΟΣ.", "İİ", "ǅ ﬁ ＡＢ", "\u001C\u001D\u001E\u001F", "a\u0000b",
    "“quoted” ‘single’ it’s", "&amp;&lt;&#39;", "e\u0301\u0327 \u1100\u1161\u11A8",
    "\u2000\u2001x\u205F\u3000y"};

  private static ClipTokenizer tokenizer;
  private static ClipTokenizer hfFast;
  private static Path merges;
  private static String python;
  private static List<String> linkingTexts;

  @BeforeAll
  static void setUp() throws Exception {
    merges = ClipTokenizerTest.requireSharedData(ClipTokenizerTest.MERGES);
    tokenizer = ClipTokenizer.load(merges, TextNormalization.OPENAI_FTFY);
    hfFast = ClipTokenizer.load(merges, TextNormalization.HF_FAST);
    python = ReferencePython.interpreter();
    linkingTexts = wikimelLinkingTexts();
  }

  private static ClipTokenizer tokenizer(TextNormalization normalization) {
    return normalization == TextNormalization.HF_FAST ? hfFast : tokenizer;
  }

  /**
   * The texts the model reads for WikiMEL (spec section 2, DME left empty): each mention with its
   * sentence, each KB entity's name with its abstract.
   */
  private static List<String> wikimelLinkingTexts() throws IOException {
    JsonNode samples = JSON.readTree(ClipTokenizerTest.requireSharedData("wikimel/mentions.json").toFile());
    JsonNode names = JSON.readTree(ClipTokenizerTest.requireSharedData("wikimel/qid2name.json").toFile());
    JsonNode abstracts = JSON.readTree(ClipTokenizerTest.requireSharedData("wikimel/qid2abstract.json").toFile());
    List<String> texts = new ArrayList<>();
    for (JsonNode sample : samples) {
      String sentence = sample.get("sentence").asText();
      sample.get("mentions").forEach(m -> texts.add(LinkingTexts.mention(m.asText(), sentence, "")));
    }
    for (Iterator<String> qids = names.fieldNames(); qids.hasNext(); ) {
      String qid = qids.next();
      texts.add(LinkingTexts.entity(names.get(qid).asText(), abstracts.path(qid).asText("")));
    }
    assertTrue(texts.size() == 25_846 + 18_880,
        "expected WikiMEL's 25,846 mentions and 18,880 entities, got " + texts.size() + " texts");
    return texts;
  }

  @Test
  void everyWikimelSentenceAndMentionMatchesTheReference() throws Exception {
    JsonNode samples = JSON.readTree(ClipTokenizerTest.requireSharedData("wikimel/mentions.json").toFile());
    List<String> texts = new ArrayList<>();
    for (Iterator<JsonNode> it = samples.elements(); it.hasNext(); ) {
      JsonNode sample = it.next();
      texts.add(sample.get("sentence").asText());
      sample.get("mentions").forEach(m -> texts.add(m.asText()));
    }
    assertTrue(texts.size() > 40_000, "expected all 22,136 WikiMEL samples, got " + texts.size() + " texts");

    List<int[]> expected = runReference(texts, TextNormalization.OPENAI_FTFY, true);
    List<String> mismatches = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      compare(tokenizer, texts.get(i), expected.get(i), mismatches);
    }
    System.out.printf("ClipTokenizerReferenceIT: %d WikiMEL texts compared, %d mismatches%n",
        texts.size(), mismatches.size());
    assertNoMismatches(mismatches, texts.size());
  }

  @ParameterizedTest
  @EnumSource(TextNormalization.class)
  void everyWikimelModelInputTextMatchesItsReference(TextNormalization normalization)
      throws Exception {
    List<int[]> expected = runReference(linkingTexts, normalization, true);
    List<String> mismatches = new ArrayList<>();
    for (int i = 0; i < linkingTexts.size(); i++) {
      compare(tokenizer(normalization), linkingTexts.get(i), expected.get(i), mismatches);
    }
    System.out.printf("ClipTokenizerReferenceIT: %d WikiMEL model input texts compared with %s, "
        + "%d mismatches%n", linkingTexts.size(), normalization.id(), mismatches.size());
    assertNoMismatches(mismatches, linkingTexts.size());
  }

  /** How many WikiMEL model inputs change with the normalisation: what the config choice decides. */
  @Test
  void theNormalisationsGiveDifferentIdsOnRealWikimelTexts() {
    int differ = 0;
    int differPadded = 0;
    int withCurlyQuote = 0;
    List<String> examples = new ArrayList<>();
    for (String text : linkingTexts) {
      boolean curly = text.chars().anyMatch(c -> c >= '\u2018' && c <= '\u201F');
      withCurlyQuote += curly ? 1 : 0;
      if (!Arrays.equals(tokenizer.encode(text), hfFast.encode(text))) {
        differ++;
        if (examples.size() < 3) {
          examples.add(text);
        }
      } else {
        assertTrue(!curly, "a text with a curly quote gave the same ids both ways: " + text);
      }
      int length = ClipTokenizer.DEFAULT_CONTEXT_LENGTH;
      if (!Arrays.equals(tokenizer.encodePadded(text, length), hfFast.encodePadded(text, length))) {
        differPadded++;
      }
    }
    System.out.printf("ClipTokenizerReferenceIT: of %d WikiMEL model input texts, %d get other ids "
        + "from hf_fast than from openai_ftfy (%d within the first %d ids the model reads); %d "
        + "have a curly quote; e.g. %s%n", linkingTexts.size(), differ, differPadded,
        ClipTokenizer.DEFAULT_CONTEXT_LENGTH, withCurlyQuote, examples);
    assertTrue(withCurlyQuote > 0 && differ >= withCurlyQuote, differ + " texts differ");
  }

  @Test
  void adversarialTextsMatchTheHfFastReference() throws Exception {
    List<String> texts = new ArrayList<>(adversarialTexts(new Random(SEED + 1), ADVERSARIAL_COUNT));
    texts.addAll(List.of(HF_FAST_EDGES));
    List<int[]> expected = runReference(texts, TextNormalization.HF_FAST, true);
    List<String> mismatches = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      compare(hfFast, texts.get(i), expected.get(i), mismatches);
    }
    System.out.printf("ClipTokenizerReferenceIT: %d adversarial texts compared with hf_fast, %d "
        + "mismatches%n", texts.size(), mismatches.size());
    assertNoMismatches(mismatches, texts.size());
  }

  @Test
  void adversarialTextsMatchTheReference() throws Exception {
    List<String> texts = adversarialTexts(new Random(SEED), ADVERSARIAL_COUNT);
    List<int[]> expected = runReference(texts, TextNormalization.OPENAI_FTFY, true);
    List<int[]> withoutMojibakeRepair = runReference(texts, TextNormalization.OPENAI_FTFY, false);
    List<String> mismatches = new ArrayList<>();
    int repaired = 0;
    for (int i = 0; i < texts.size(); i++) {
      boolean mojibakeRepairMatters = !Arrays.equals(expected.get(i), withoutMojibakeRepair.get(i));
      if (mojibakeRepairMatters) {
        repaired++;
      }
      compare(tokenizer, texts.get(i),
          mojibakeRepairMatters ? withoutMojibakeRepair.get(i) : expected.get(i), mismatches);
    }
    System.out.printf("ClipTokenizerReferenceIT: %d adversarial texts compared (%d held to ftfy without "
        + "mojibake repair), %d mismatches%n", texts.size(), repaired, mismatches.size());
    assertNoMismatches(mismatches, texts.size());
    assertTrue(repaired < texts.size() / 10,
        repaired + " of " + texts.size() + " adversarial texts depend on mojibake repair: too few real checks");
  }

  private static void compare(ClipTokenizer tokenizer, String text, int[] expected,
      List<String> mismatches) throws IOException {
    int[] actual = tokenizer.encode(text);
    if (!Arrays.equals(expected, actual)) {
      String normalized = tokenizer.normalization() == TextNormalization.HF_FAST
          ? HfFastNormalizer.normalize(text) : TextCleaner.clean(text);
      mismatches.add(JSON.writeValueAsString(text) + "\n      reference " + Arrays.toString(expected)
          + "\n      java      " + Arrays.toString(actual)
          + "\n      cleaned   " + JSON.writeValueAsString(normalized));
    }
  }

  private static void assertNoMismatches(List<String> mismatches, int total) {
    if (!mismatches.isEmpty()) {
      fail(mismatches.size() + " of " + total + " texts tokenized differently from the reference; first ones:\n  "
          + String.join("\n  ", mismatches.subList(0, Math.min(8, mismatches.size()))));
    }
  }

  // ---------------------------------------------------------------- reference process

  private static Path referenceScript() throws URISyntaxException {
    URL url = ClipTokenizerReferenceIT.class.getResource("/reference/clip_tokenize.py");
    assertTrue(url != null, "reference/clip_tokenize.py is not on the test classpath");
    return Path.of(url.toURI());
  }

  private static List<int[]> runReference(List<String> texts, TextNormalization normalization,
      boolean fixEncoding) throws Exception {
    List<String> command = new ArrayList<>(List.of(python, referenceScript().toString(),
        merges.toString(), "--normalization", normalization.id()));
    if (!fixEncoding) {
      command.add("--no-fix-encoding");
    }
    return ReferencePython.jsonLines(command, texts, int[].class);
  }

  // ---------------------------------------------------------------- adversarial texts

  private static final String[] WHITESPACE = {" ", "  ", "\t", "\n", "\r\n", "\r", "\u000B", "\f", "\u00A0",
    "\u1680", "\u2002", "\u2009", "\u200A", "\u2028", "\u2029", "\u202F", "\u205F", "\u3000", "\u0085", " \t\n "};

  private static final String[] CONTROLS = {"\u0000", "\u0001", "\u0007", "\u0008", "\u000E", "\u001A", "\u001F",
    "\u007F", "\u0080", "\u0081", "\u0085", "\u008D", "\u0091", "\u0092", "\u0093", "\u0094", "\u0096", "\u009F",
    "\u00AD", "\u200B", "\u200C", "\u200D", "\u200E", "\u2060", "\u206A", "\uFEFF", "\uFFF9", "\uFFFC",
    "\u001B[1;31m", "\u001B[0m", "\u001B[2J"};

  private static final String PUNCTUATION = "!\"$%'()*+,-./:<=>?@[\\]^_`{|}~‘’‚‛“”„‟ʼ–—…•·§¶†‡€£¥©®™°±×÷¿¡«»‹›′″※∑√∞≈≠←→";

  private static final String[] LIGATURES = {"ﬀ", "ﬁ", "ﬂ", "ﬃ", "ﬄ", "ﬆ", "Ĳ", "ĳ", "ŉ", "Ǆ", "ǅ", "ǆ", "Ǉ", "ǈ",
    "ǉ", "Ǌ", "ǋ", "ǌ", "Ǳ", "ǲ", "ǳ"};

  private static final String[] WORDS = {"'s", "'S", "'t", "'re", "'RE", "'ve", "'m", "'ll", "'LL", "'d", "n't",
    "ΟΔΟΣ", "ΣΑΣ", "Σ^", "AΣ`B", "A^Σ", "ΣΊΣΥΦΟΣ.", "İstanbul", "ıi", "STRAẞE", "ß", "e\u0301", "A\u030A",
    "\u1100\u1161\u11A8", "ｶﾞｷﾞ", "1\uFE0F\u20E3", "👩\u200D👩\u200D👧", "🇫🇷", "❤\uFE0F", "Ⅻ", "½", "²"};

  private static final String[] ENTITY_NAMES = {"amp", "lt", "gt", "quot", "apos", "nbsp", "eacute", "Eacute",
    "EACUTE", "szlig", "SZLIG", "copy", "COPY", "reg", "trade", "TRADE", "hellip", "mdash", "ndash", "lsquo",
    "rsquo", "ldquo", "rdquo", "euro", "pound", "micro", "MICRO", "frac12", "FRAC12", "not", "notin", "sigma",
    "Sigma", "SIGMA", "sigmaf", "alpha", "OElig", "yuml", "YUML", "thorn", "THORN", "ETH", "eth", "shy", "zwj",
    "lang", "rang", "lArr", "LARR", "AElig", "aelig", "AELIG", "times", "deg", "sup2", "iquest"};

  /** Inclusive code point ranges of letters, digits and symbols assigned long before Unicode 13. */
  private static final int[][] SCRIPTS = {
    {'a', 'z'}, {'A', 'Z'}, {0xC0, 0xD6}, {0xD8, 0xF6}, {0xF8, 0xFF}, {0x100, 0x17E}, {0x386, 0x38A},
    {0x391, 0x3A1}, {0x3A3, 0x3A9}, {0x3AC, 0x3CE}, {0x410, 0x44F}, {0x5D0, 0x5EA}, {0x627, 0x64A}, {0x660, 0x669},
    {0x905, 0x939}, {0x93E, 0x94C}, {0x966, 0x96F}, {0xE01, 0xE2E}, {0x300, 0x344}, {0x346, 0x36F}, {0x3041, 0x3096},
    {0x30A1, 0x30FA}, {0x4E00, 0x9FA5}, {0xAC00, 0xD7A3}, {0xFF01, 0xFF5E}, {0xFF66, 0xFF9D}, {0x2160, 0x216B},
    {0x2460, 0x2473}, {'0', '9'}, {0x1F600, 0x1F64F}, {0x1F300, 0x1F5FF}, {0x1F3FB, 0x1F3FF}};

  private static List<String> adversarialTexts(Random random, int count) {
    List<String> texts = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      StringBuilder text = new StringBuilder();
      int segments = 1 + random.nextInt(12);
      for (int s = 0; s < segments; s++) {
        appendSegment(text, random);
      }
      texts.add(text.toString());
    }
    return texts;
  }

  private static void appendSegment(StringBuilder text, Random random) {
    switch (random.nextInt(11)) {
      case 0:
        text.append(WHITESPACE[random.nextInt(WHITESPACE.length)]);
        break;
      case 1:
        text.append(CONTROLS[random.nextInt(CONTROLS.length)]);
        break;
      case 2:
        for (int n = 1 + random.nextInt(6); n > 0; n--) {
          text.append(PUNCTUATION.charAt(random.nextInt(PUNCTUATION.length())));
        }
        break;
      case 3:
        text.append(LIGATURES[random.nextInt(LIGATURES.length)]);
        break;
      case 4:
        text.append(WORDS[random.nextInt(WORDS.length)]);
        break;
      case 5:
        appendEntity(text, random);
        break;
      case 6:
        for (int n = 1 + random.nextInt(5); n > 0; n--) {
          text.append(random.nextInt(10));
        }
        break;
      case 7:
        // A long run of one script exercises long BPE words.
        int[] range = SCRIPTS[random.nextInt(SCRIPTS.length)];
        for (int n = 5 + random.nextInt(60); n > 0; n--) {
          text.appendCodePoint(range[0] + random.nextInt(range[1] - range[0] + 1));
        }
        break;
      default:
        for (int n = 1 + random.nextInt(8); n > 0; n--) {
          int[] r = SCRIPTS[random.nextInt(SCRIPTS.length)];
          text.appendCodePoint(r[0] + random.nextInt(r[1] - r[0] + 1));
        }
        break;
    }
  }

  /**
   * HTML references, complete or not. Each is followed by a space unless it is a complete named
   * reference other than &amp;amp;, so that neither an unclosed reference nor a decoded '&amp;'
   * can run on into a rarely used HTML5 name ("&amp;lt" + "imes;", "&amp;amp;" + "ac;").
   */
  private static void appendEntity(StringBuilder text, Random random) {
    String name = ENTITY_NAMES[random.nextInt(ENTITY_NAMES.length)];
    boolean closedName = false;
    switch (random.nextInt(9)) {
      case 0:
        text.append('&').append(name).append(';');
        closedName = true;
        break;
      case 1:
        text.append('&').append(name);
        break;
      case 2:
        text.append("&amp;").append(name).append(';');
        closedName = true;
        break;
      case 3:
        text.append("&#").append(randomCodePoint(random)).append(';');
        break;
      case 4:
        text.append("&#x").append(Integer.toHexString(randomCodePoint(random))).append(random.nextBoolean() ? ";" : "");
        break;
      case 5:
        text.append("&#").append(random.nextInt(200));
        break;
      case 6:
        text.append(new String[] {"&#0;", "&#59;", "&#x3B;", "&#xD800;", "&#99999999;", "&#x110000;", "&#xFFFE;",
          "&#x1F600;", "&#13;", "&#x85;", "&#x26;amp;", "&amp;#39;", "&amp;amp;amp;"}[random.nextInt(13)]);
        break;
      case 7:
        text.append(new String[] {"&", "&;", "&&", "&#", "&#;", "&#x;", "<", "<b>", "a<b"}[random.nextInt(9)]);
        break;
      default:
        text.append('&').append(name.toUpperCase(Locale.ROOT)).append(';');
        closedName = true;
        break;
    }
    if (!closedName || name.equalsIgnoreCase("amp")) {
      text.append(' ');
    }
  }

  private static int randomCodePoint(Random random) {
    int[][] ranges = {{0x20, 0x7E}, {0x80, 0x9F}, {0xA0, 0x17E}, {0x2018, 0x201F}, {0xFF01, 0xFF5E}, {0x4E00, 0x4E20}};
    int[] range = ranges[random.nextInt(ranges.length)];
    return range[0] + random.nextInt(range[1] - range[0] + 1);
  }
}
