package dev.mmel.model.bge;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mmel.model.reference.ReferencePython;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Cross-checks {@link BgeTokenizer} against Hugging Face {@code tokenizers} loading the same
 * tokenizer.json (src/test/resources/reference/bge_tokenize.py, interpreter from
 * {@link ReferencePython}): every WikiMEL sentence, mention and entity text, and generated texts
 * full of accents, scripts, controls, whitespace, punctuation and literal special tokens, must give
 * identical ids.
 *
 * <p>The generator keeps to characters assigned long ago: Hugging Face's character tables are older
 * than the JDK's, so a mark or format character added in recent Unicode versions is knowingly
 * treated differently (for example U+1ABF, a nonspacing mark to Java 17 and unknown to tokenizers).
 */
class BgeTokenizerReferenceIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int GENERATED_COUNT = 2_000;

  private static BgeTokenizer tokenizer;
  private static Path tokenizerJson;
  private static String python;

  @BeforeAll
  static void setUp() throws Exception {
    tokenizer = BgeTokenizer.load();
    tokenizerJson = Files.createTempFile("bge-tokenizer", ".json");
    Files.write(tokenizerJson, BgeResources.read(BgeResources.TOKENIZER));
    python = ReferencePython.interpreter();
  }

  @AfterAll
  static void tearDown() throws Exception {
    Files.deleteIfExists(tokenizerJson);
  }

  @Test
  void everyWikimelSentenceMentionAndEntityTextMatchesTheReference() throws Exception {
    List<String> texts = BgeTexts.sentencesAndMentions();
    texts.addAll(BgeTexts.entityTexts());
    assertTrue(texts.size() > 60_000, "expected all WikiMEL samples and 18,880 entities, got " + texts.size());
    assertMatches("WikiMEL", texts);
  }

  @Test
  void generatedTextsMatchTheReference() throws Exception {
    Random random = new Random(0xB6E_5EEDL);
    List<String> texts = new ArrayList<>(GENERATED_COUNT);
    for (int i = 0; i < GENERATED_COUNT; i++) {
      StringBuilder text = new StringBuilder();
      for (int s = 1 + random.nextInt(16); s > 0; s--) {
        appendSegment(text, random);
      }
      texts.add(text.toString());
    }
    assertMatches("generated", texts);
  }

  private static void assertMatches(String kind, List<String> texts) throws Exception {
    URL script = BgeTokenizerReferenceIT.class.getResource("/reference/bge_tokenize.py");
    assertTrue(script != null, "reference/bge_tokenize.py is not on the test classpath");
    List<int[]> expected = ReferencePython.jsonLines(
        List.of(python, Path.of(script.toURI()).toString(), tokenizerJson.toString()), texts, int[].class);
    List<String> mismatches = new ArrayList<>();
    long tokens = 0;
    for (int i = 0; i < texts.size(); i++) {
      int[] actual = tokenizer.encode(texts.get(i));
      tokens += actual.length;
      if (!Arrays.equals(expected.get(i), actual)) {
        mismatches.add(JSON.writeValueAsString(texts.get(i)) + "\n      reference " + Arrays.toString(expected.get(i))
            + "\n      java      " + Arrays.toString(actual));
      }
    }
    System.out.printf("BgeTokenizerReferenceIT: %d %s texts (%d tokens) compared, %d mismatches%n",
        texts.size(), kind, tokens, mismatches.size());
    if (!mismatches.isEmpty()) {
      fail(mismatches.size() + " of " + texts.size() + " " + kind + " texts tokenized differently; first ones:\n  "
          + String.join("\n  ", mismatches.subList(0, Math.min(8, mismatches.size()))));
    }
  }

  private static final String[] SPECIALS = {"[SEP]", "[CLS]", "[PAD]", "[MASK]", "[UNK]", "[sep]", "[SEP", "SEP]",
    "[[SEP]]", "[ SEP ]", "[Sep]"};

  private static final String[] SPACES = {" ", "  ", "\t", "\n", "\r\n", "\u000B", "\f", "\u00A0", "\u1680",
    "\u2003", "\u2028", "\u2029", "\u202F", "\u205F", "\u3000", "\u0085", "\u001F"};

  private static final String[] CONTROLS = {"\u0000", "\u0001", "\u0007", "\u007F", "\u0080", "\u009F", "\u00AD",
    "\u200B", "\u200D", "\u200E", "\u2060", "\uFEFF", "\uE000", "\uF8FF", "\uFFFD", "\uFFFC", "\u0378"};

  private static final String PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~¡§«¶·»¿‐–—‘’“”•…‰′※⁂、。「」『』！？（）￥€£¥©®°±×÷";

  /** Inclusive ranges of long-assigned letters, digits, marks and symbols. */
  private static final int[][] SCRIPTS = {
    {'a', 'z'}, {'A', 'Z'}, {'0', '9'}, {0xC0, 0xFF}, {0x100, 0x17F}, {0x180, 0x24F}, {0x300, 0x36F},
    {0x391, 0x3C9}, {0x400, 0x45F}, {0x5D0, 0x5EA}, {0x621, 0x64A}, {0x660, 0x669}, {0x905, 0x94D},
    {0xE01, 0xE3A}, {0x1E00, 0x1EFF}, {0x1F00, 0x1FBC}, {0x2160, 0x2188}, {0x2460, 0x24FF}, {0x3041, 0x3096},
    {0x30A1, 0x30FA}, {0x3400, 0x3430}, {0x4E00, 0x9FA5}, {0xAC00, 0xD7A3}, {0xF900, 0xFA2D}, {0xFB00, 0xFB06},
    {0xFF10, 0xFF5A}, {0xFF66, 0xFF9F}, {0x1D400, 0x1D433}, {0x1F600, 0x1F64F}, {0x20000, 0x20050}};

  private static void appendSegment(StringBuilder text, Random random) {
    switch (random.nextInt(8)) {
      case 0 -> text.append(SPECIALS[random.nextInt(SPECIALS.length)]);
      case 1 -> text.append(SPACES[random.nextInt(SPACES.length)]);
      case 2 -> text.append(CONTROLS[random.nextInt(CONTROLS.length)]);
      case 3 -> {
        for (int n = 1 + random.nextInt(4); n > 0; n--) {
          text.append(PUNCTUATION.charAt(random.nextInt(PUNCTUATION.length())));
        }
      }
      case 4 -> {
        // Long runs reach the 100-character word limit from both sides.
        int[] range = SCRIPTS[random.nextInt(3)];
        for (int n = 90 + random.nextInt(20); n > 0; n--) {
          text.appendCodePoint(range[0] + random.nextInt(range[1] - range[0] + 1));
        }
      }
      default -> {
        for (int n = 1 + random.nextInt(10); n > 0; n--) {
          int[] range = SCRIPTS[random.nextInt(SCRIPTS.length)];
          text.appendCodePoint(range[0] + random.nextInt(range[1] - range[0] + 1));
        }
      }
    }
  }
}
