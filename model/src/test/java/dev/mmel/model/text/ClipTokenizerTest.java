package dev.mmel.model.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mmel.model.config.TextNormalization;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Expected ids come from OpenAI's tokenizer semantics (checked against the reference script in
 * src/test/resources/reference and a re-implementation of OpenAI's simple_tokenizer), and, in
 * {@link HfFast}, from the same script's Hugging Face fast tokenizer.
 */
class ClipTokenizerTest {

  static final String MERGES = "clip/bpe_simple_vocab_16e6.txt.gz";
  private static final String VECTORS = "clip/tokenizer_vectors.jsonl";
  private static final int BOS = ClipTokenizer.START_OF_TEXT;
  private static final int EOS = ClipTokenizer.END_OF_TEXT;

  /** OpenAI's normalisation, which most tests here pin down; {@link HfFast} has the other. */
  private static ClipTokenizer tokenizer;
  private static ClipTokenizer hfFast;

  /**
   * A file under the project's shared data folder: {@code -Dmmel.shared.data}, else the first
   * {@code shared/data} found walking up from the working directory (the repository's sibling
   * {@code ../shared/data} included).
   */
  static Path sharedData(String relative) {
    String configured = System.getProperty("mmel.shared.data");
    if (configured != null) {
      return Path.of(configured).resolve(relative);
    }
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("shared/data").resolve(relative);
      if (Files.exists(candidate)) {
        return candidate;
      }
    }
    return Path.of("../shared/data").resolve(relative);
  }

  /** {@link #sharedData}, failing the calling test with what to do when the file is not there. */
  static Path requireSharedData(String relative) {
    Path path = sharedData(relative);
    assertTrue(Files.isRegularFile(path),
        "missing shared data " + path.toAbsolutePath() + " (set -Dmmel.shared.data to the shared/data folder)");
    return path;
  }

  @BeforeAll
  static void loadTokenizer() throws IOException {
    tokenizer = ClipTokenizer.load(requireSharedData(MERGES), TextNormalization.OPENAI_FTFY);
    hfFast = ClipTokenizer.load(requireSharedData(MERGES), TextNormalization.HF_FAST);
  }

  private static ClipTokenizer load(Path merges) throws IOException {
    return ClipTokenizer.load(merges, TextNormalization.HF_FAST);
  }

  private static int[] ids(int... content) {
    int[] out = new int[content.length + 2];
    out[0] = BOS;
    System.arraycopy(content, 0, out, 1, content.length);
    out[out.length - 1] = EOS;
    return out;
  }

  @TestFactory
  Stream<DynamicTest> matchesEveryVectorInTheSharedFile() throws IOException {
    ObjectMapper json = new ObjectMapper();
    List<DynamicTest> tests = new ArrayList<>();
    for (String line : Files.readAllLines(requireSharedData(VECTORS), StandardCharsets.UTF_8)) {
      if (line.isBlank()) {
        continue;
      }
      JsonNode vector = json.readTree(line);
      String text = vector.get("text").asText();
      int[] expected = json.treeToValue(vector.get("ids"), int[].class);
      tests.add(DynamicTest.dynamicTest(json.writeValueAsString(text), () -> {
        assertArrayEquals(expected, tokenizer.encode(text), "openai_ftfy");
        assertArrayEquals(expected, hfFast.encode(text), "hf_fast");
      }));
    }
    assertTrue(tests.size() >= 8, "expected at least 8 vectors, found " + tests.size());
    return tests.stream();
  }

  @Test
  void emptyAndBlankTextsAreJustStartAndEnd() {
    assertArrayEquals(new int[] {BOS, EOS}, tokenizer.encode(""));
    assertArrayEquals(new int[] {BOS, EOS}, tokenizer.encode(" \t\n\u00A0\u3000 "));
  }

  @Test
  void shortTextIsPaddedWithEndOfText() {
    int[] padded = tokenizer.encodePadded("a photo of a cat", ClipTokenizer.DEFAULT_CONTEXT_LENGTH);
    int[] expected = new int[50];
    Arrays.fill(expected, EOS);
    System.arraycopy(new int[] {BOS, 320, 1125, 539, 320, 2368, EOS}, 0, expected, 0, 7);
    assertArrayEquals(expected, padded);
    assertArrayEquals(new int[] {BOS, EOS, EOS, EOS}, tokenizer.encodePadded("", 4));
  }

  @Test
  void longTextIsTruncatedKeepingEndOfTextLast() {
    String text = "a photo of a cat ".repeat(40);
    int[] full = tokenizer.encode(text);
    assertEquals(5 * 40 + 2, full.length);
    int[] padded = tokenizer.encodePadded(text, 50);
    assertEquals(50, padded.length);
    assertEquals(BOS, padded[0]);
    assertEquals(EOS, padded[49]);
    assertArrayEquals(Arrays.copyOfRange(full, 1, 49), Arrays.copyOfRange(padded, 1, 49));
  }

  @Test
  void textThatExactlyFillsTheContextIsNotCut() {
    String digits = "1234567890".repeat(5).substring(0, 48);
    int[] padded = tokenizer.encodePadded(digits, 50);
    assertArrayEquals(tokenizer.encode(digits), padded);
    int[] cut = tokenizer.encodePadded(digits + "9", 50);
    assertArrayEquals(padded, cut);
  }

  @Test
  void contextLengthMustHoldStartAndEnd() {
    assertArrayEquals(new int[] {BOS, EOS}, tokenizer.encodePadded("a photo", 2));
    assertThrows(IllegalArgumentException.class, () -> tokenizer.encodePadded("a", 1));
  }

  @Test
  void batchPadsEveryText() {
    int[][] batch = tokenizer.encodeBatch(List.of("a photo of a dog", "", "hello, world!"), 8);
    assertArrayEquals(new int[] {BOS, 320, 1125, 539, 320, 1929, EOS, EOS}, batch[0]);
    assertArrayEquals(new int[] {BOS, EOS, EOS, EOS, EOS, EOS, EOS, EOS}, batch[1]);
    assertArrayEquals(new int[] {BOS, 3306, 267, 1002, 256, EOS, EOS, EOS}, batch[2]);
  }

  @Test
  void punctuationRunsStayTogetherAndDigitsSplitOnePerToken() {
    assertArrayEquals(ids(995), tokenizer.encode("!!!"));
    assertArrayEquals(ids(3306, 995, 678), tokenizer.encode("hello!!! ..."));
    assertArrayEquals(ids(273, 271, 273, 275), tokenizer.encode("2024"));
  }

  @Test
  void repeatedPairsMergeLeftToRight() {
    // Merging overlapping occurrences from the right would give [64, 9583] and [75, 87, 5675, 341].
    assertArrayEquals(ids(19336), tokenizer.encode("aaaa"));
    assertArrayEquals(ids(75, 5675, 17768), tokenizer.encode("LXXXV"));
  }

  @Test
  void contractionsAreSeparateWordsInAnyCase() {
    assertArrayEquals(ids(585, 568), tokenizer.encode("it's"));
    assertArrayEquals(ids(585, 568), tokenizer.encode("IT'S"));
    assertArrayEquals(ids(889, 982), tokenizer.encode("they're"));
    assertArrayEquals(ids(649, 1342, 649, 1200, 328, 880, 797, 1896, 847, 713),
        tokenizer.encode("we'll we've i'm he'd don't"));
  }

  @Test
  void contractionMatchingIsUnicodeCaseInsensitiveLikeOpenAi() {
    // "'ſ" (long s) matches 's case-insensitively, as in OpenAI's regex; Hugging Face splits it.
    assertArrayEquals(ids(585, 6, 129, 379), tokenizer.encode("it'\u017F"));
  }

  @Test
  void standaloneYpogegrammeniIsDroppedLikeOpenAi() {
    // U+0345 matches no branch of OpenAI's case-insensitive regex; Hugging Face keeps it.
    assertArrayEquals(ids(320, 321), tokenizer.encode("a\u0345b"));
    assertArrayEquals(tokenizer.encode("ᾳ"), tokenizer.encode("α\u0345"));
  }

  @Test
  void unicodeLettersGoThroughUtf8Bytes() {
    assertArrayEquals(ids(15304, 1097, 35689, 563), tokenizer.encode("café naïve"));
    assertArrayEquals(ids(1097, 35689, 563, 29106, 7054, 4166), tokenizer.encode("Naïve RÉSUMÉ"));
    assertArrayEquals(ids(39121, 44353, 34002, 508), tokenizer.encode("日本語"));
    assertArrayEquals(ids(7334), tokenizer.encode("😀"));
    assertArrayEquals(ids(43722), tokenizer.encode("👍🏽"));
    assertArrayEquals(ids(138, 113, 138, 119, 138, 119, 138, 115, 138, 121, 138, 117, 138, 118, 138, 361),
        tokenizer.encode("Ελληνικά"));
    assertArrayEquals(ids(328, 16384, 11231), tokenizer.encode("İstanbul"));
    assertArrayEquals(ids(1894, 127, 253, 324), tokenizer.encode("straße"));
  }

  @Test
  void capitalSigmaLowersToFinalSigmaAtWordEnd() {
    assertArrayEquals(ids(138, 123, 138, 112, 138, 123, 139, 480), tokenizer.encode("ΟΔΟΣ"));
    // Python's Final_Sigma skips case-ignorable characters such as '`' and '^'; Java's
    // String.toLowerCase stops at word boundaries and would disagree on both.
    assertEquals("aσ`b", TextCleaner.lower("AΣ`B"));
    assertEquals("a^ς", TextCleaner.lower("A^Σ"));
  }

  @Test
  void decomposedAccentsAreComposed() {
    assertArrayEquals(tokenizer.encode("é"), tokenizer.encode("e\u0301"));
    assertArrayEquals(ids(4166), tokenizer.encode("e\u0301"));
  }

  @Test
  void curlyQuotesEqualStraightQuotes() {
    assertArrayEquals(tokenizer.encode("\"quoted\" 'single'"), tokenizer.encode("“quoted” ‘single’"));
    assertArrayEquals(ids(257, 27706, 257, 568, 17005, 262), tokenizer.encode("“quoted” ‘single’"));
    assertArrayEquals(tokenizer.encode("it's"), tokenizer.encode("it’s"));
    assertArrayEquals(tokenizer.encode("\"smart\""), tokenizer.encode("\u0093smart\u0094"));
  }

  @Test
  void htmlEntitiesAreDecoded() {
    assertArrayEquals(tokenizer.encode("fish & chips"), tokenizer.encode("fish &amp; chips"));
    assertArrayEquals(ids(2759, 261, 8855), tokenizer.encode("fish &amp; chips"));
    assertArrayEquals(ids(283, 321, 285), tokenizer.encode("&lt;b&gt;"));
    assertArrayEquals(ids(283), tokenizer.encode("&amp;lt;"));
    assertArrayEquals(ids(8445), tokenizer.encode("&#39;&#x27;"));
    assertArrayEquals(ids(3459, 4166), tokenizer.encode("&eacute;&EACUTE;"));
    assertArrayEquals(ids(320, 321), tokenizer.encode("a&nbsp;b"));
    assertArrayEquals(ids(343, 283, 344, 537, 261), tokenizer.encode("x &lt; y and &amp;"));
    assertArrayEquals(ids(1224), tokenizer.encode("&#150;"));
    assertArrayEquals(tokenizer.encode("¬in"), tokenizer.encode("&notin"));
  }

  @Test
  void rareHtml5NamesAreLeftAsWritten() {
    assertArrayEquals(tokenizer.encode("& checkmark;"), tokenizer.encode("&checkmark;"));
  }

  @Test
  void whitespaceVariantsCollapseToOneSpace() {
    assertArrayEquals(tokenizer.encode("a b c d e f g h"),
        tokenizer.encode("  a\tb\nc\u00A0d  e\r\nf\u3000g\u2029h\u2009 "));
    assertArrayEquals(ids(320, 959, 321), tokenizer.encode("a\u0085b"));
  }

  @Test
  void ftfyFixesApply() {
    assertArrayEquals(ids(3797, 5608), tokenizer.encode("ﬁne ﬂow"));
    assertArrayEquals(ids(5334, 272, 273, 274), tokenizer.encode("ＡＢＣ　１２３"));
    assertArrayEquals(ids(5334), tokenizer.encode("a\u0000b\u007Fc"));
    assertArrayEquals(ids(736), tokenizer.encode("\u001B[31mred\u001B[0m"));
    assertArrayEquals(ids(67, 129, 122, 908, 566), tokenizer.encode("Ǆemal"));
  }

  @Test
  void specialTokensInTextFollowOpenAi() {
    assertArrayEquals(ids(320, EOS, 321), tokenizer.encode("a <|endoftext|> b"));
    assertArrayEquals(ids(BOS), tokenizer.encode("<|startoftext|>"));
    // After punctuation the word regex swallows "<|" into a punctuation run.
    assertArrayEquals(ids(343, 0, 27, 347, 40786, 4160, 91, 285), tokenizer.encode("x!<|endoftext|>"));
  }

  @Test
  void decodeSpellsTheCleanedText() {
    assertEquals("a photo of a cat !", tokenizer.decode(tokenizer.encode("A PHOTO of  a Cat!")));
    assertEquals("café 日本語 😀 it 's", tokenizer.decode(tokenizer.encodePadded("Café 日本語 😀 it's", 20)));
    assertEquals("", tokenizer.decode(new int[] {BOS, EOS, EOS}));
    assertThrows(IllegalArgumentException.class, () -> tokenizer.decode(new int[] {ClipTokenizer.VOCAB_SIZE}));
  }

  @Test
  void sharedInstanceGivesTheSameIdsFromManyThreads() throws Exception {
    // A tiny cache makes the threads race on insertions and clears as well as on lookups.
    ClipTokenizer shared =
        ClipTokenizer.load(requireSharedData(MERGES), TextNormalization.OPENAI_FTFY, 16);
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      texts.add("photo " + i + " of the Eiffel Tower, Paris — café n°" + (i * 7919) + " 日本 😀 it's #" + i % 13);
    }
    List<int[]> expected = new ArrayList<>();
    for (String text : texts) {
      expected.add(tokenizer.encode(text));
    }
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Callable<Void>> jobs = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int offset = t * 25;
        jobs.add(() -> {
          for (int round = 0; round < 5; round++) {
            for (int i = 0; i < texts.size(); i++) {
              int k = (i + offset) % texts.size();
              assertArrayEquals(expected.get(k), shared.encode(texts.get(k)), texts.get(k));
            }
          }
          return null;
        });
      }
      for (Future<Void> result : pool.invokeAll(jobs)) {
        result.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static List<String> realMergeFileLines() throws IOException {
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(
        new GZIPInputStream(Files.newInputStream(requireSharedData(MERGES))), StandardCharsets.UTF_8))) {
      return reader.lines().limit(ClipTokenizer.MERGE_COUNT + 1).collect(Collectors.toList());
    }
  }

  private static Path writeGzip(Path file, List<String> lines) throws IOException {
    try (Writer out = new OutputStreamWriter(
        new GZIPOutputStream(Files.newOutputStream(file)), StandardCharsets.UTF_8)) {
      for (String line : lines) {
        out.write(line);
        out.write('\n');
      }
    }
    return file;
  }

  @Test
  void loaderNeedsANormalization() {
    assertThrows(IllegalArgumentException.class,
        () -> ClipTokenizer.load(requireSharedData(MERGES), null));
    assertEquals(TextNormalization.HF_FAST, hfFast.normalization());
  }

  /** Hugging Face's fast tokenizer: NFC, whitespace and lower case only, and its own regex. */
  @Nested
  class HfFast {
    @Test
    void plainTextGivesTheSameIdsAsOpenAi() {
      for (String text : List.of("A PHOTO of  a Cat!", "café naïve 日本語 😀", "it's IT'S they're",
          "hello-world, 3.14 (test)", "  a\tb\nc\u00A0d  e\r\nf\u3000g\u2029h\u2009 ")) {
        assertArrayEquals(tokenizer.encode(text), hfFast.encode(text), text);
      }
    }

    @Test
    void curlyQuotesAndHtmlReferencesStayAsWritten() {
      assertArrayEquals(ids(585, 728, 503, 338, 728, 506, 27706, 728, 507, 728, 502, 2688, 728, 503),
          hfFast.encode("it’s “quoted” ‘single’"));
      assertArrayEquals(ids(2759, 261, 6259, 282, 8855), hfFast.encode("fish &amp; chips"));
    }

    @Test
    void ligaturesFullWidthFormsAndControlsAreNotFixed() {
      assertArrayEquals(ids(171, 105, 223, 1422, 171, 105, 224, 2250), hfFast.encode("ﬁne ﬂow"));
      assertArrayEquals(ids(171, 121, 223, 171, 121, 224, 171, 121, 481, 171, 120, 495, 171, 120,
          496, 171, 120, 497), hfFast.encode("ＡＢＣ　１２３"));
      assertArrayEquals(ids(320, 444, 321, 477, 322), hfFast.encode("a\u0000b\u007Fc"));
      assertArrayEquals(ids(320, 472, 321), hfFast.encode("a\u001Cb"));
    }

    @Test
    void capitalSigmaAlwaysLowersToSigma() {
      assertArrayEquals(ids(138, 123, 138, 112, 138, 123, 139, 481), hfFast.encode("ΟΔΟΣ"));
      assertEquals("οδοσ", HfFastNormalizer.normalize("ΟΔΟΣ"));
    }

    @Test
    void decomposedAccentsAreComposedAndDottedCapitalILowersLikeRust() {
      assertArrayEquals(ids(4166), hfFast.encode("e\u0301"));
      assertArrayEquals(ids(328, 16384, 11231), hfFast.encode("İstanbul"));
    }

    @Test
    void theWordRegexIsCaseSensitive() {
      // "'ſ" is no contraction, and U+0345 is an ordinary non-letter.
      assertArrayEquals(ids(585, 262, 129, 379), hfFast.encode("it'\u017F"));
      assertArrayEquals(ids(320, 137, 483, 321), hfFast.encode("a\u0345b"));
    }

    @Test
    void specialTokensAreFoundAnywhereInTheNormalisedText() {
      assertArrayEquals(ids(343, 256, EOS), hfFast.encode("x!<|endoftext|>"));
      assertArrayEquals(ids(EOS, 1883), hfFast.encode("<|ENDOFTEXT|> hi"));
      assertArrayEquals(ids(BOS, 320, EOS), hfFast.encode("<|startoftext|>a<|endoftext|>"));
      assertArrayEquals(hfFast.encode("<| x"), hfFast.encode("<|  x"));
    }

    @Test
    void truncationStopsAtTheContextLength() {
      int[] padded = hfFast.encodePadded("“a” ".repeat(40), 10);
      assertEquals(10, padded.length);
      assertEquals(EOS, padded[9]);
      assertArrayEquals(Arrays.copyOf(hfFast.encode("“a” ".repeat(40)), 9),
          Arrays.copyOf(padded, 9));
    }
  }

  @Test
  void loaderRejectsAFileWithTooFewMerges(@TempDir Path dir) throws IOException {
    Path file = writeGzip(dir.resolve("short.txt.gz"), realMergeFileLines().subList(0, 1001));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> load(file));
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains("48894")
        && e.getMessage().contains("after 1000"), e.getMessage());
  }

  @Test
  void loaderRejectsACutGzipStream(@TempDir Path dir) throws IOException {
    byte[] whole = Files.readAllBytes(requireSharedData(MERGES));
    Path file = dir.resolve("cut.txt.gz");
    try (OutputStream out = Files.newOutputStream(file)) {
      out.write(whole, 0, 100_000);
    }
    IOException e = assertThrows(IOException.class, () -> load(file));
    assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("gzip"), e.getMessage());
  }

  @Test
  void loaderRejectsAMissingFileOrHeader(@TempDir Path dir) throws IOException {
    Path missing = dir.resolve("nope.txt.gz");
    NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> load(missing));
    assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());

    List<String> lines = realMergeFileLines();
    Path headless = writeGzip(dir.resolve("headless.txt.gz"), lines.subList(1, lines.size()));
    IllegalArgumentException h = assertThrows(IllegalArgumentException.class, () -> load(headless));
    assertTrue(h.getMessage().contains("#version") && h.getMessage().contains(headless.toString()), h.getMessage());
  }

  @Test
  void loaderRejectsMalformedMerges(@TempDir Path dir) throws IOException {
    List<String> lines = new ArrayList<>(realMergeFileLines());
    lines.set(5, "a b c");
    Path threeSymbols = writeGzip(dir.resolve("three.txt.gz"), lines);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> load(threeSymbols));
    assertTrue(e.getMessage().contains("line 6"), e.getMessage());

    lines = new ArrayList<>(realMergeFileLines());
    lines.set(5, "zz qq");
    Path unknown = writeGzip(dir.resolve("unknown.txt.gz"), lines);
    e = assertThrows(IllegalArgumentException.class, () -> load(unknown));
    assertTrue(e.getMessage().contains("'zz'") && e.getMessage().contains("earlier merge"), e.getMessage());

    lines = new ArrayList<>(realMergeFileLines());
    lines.set(100, lines.get(1));
    Path repeated = writeGzip(dir.resolve("repeated.txt.gz"), lines);
    e = assertThrows(IllegalArgumentException.class, () -> load(repeated));
    assertTrue(e.getMessage().contains("line 101"), e.getMessage());
  }
}
