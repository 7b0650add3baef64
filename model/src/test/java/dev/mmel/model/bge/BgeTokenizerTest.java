package dev.mmel.model.bge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Expected ids are what Hugging Face {@code tokenizers} 0.23.3 gives for the jar's tokenizer.json. */
class BgeTokenizerTest {
  private static final int CLS = 101;
  private static final int SEP = 102;
  private static final int UNK = 100;

  private static BgeTokenizer tokenizer;

  @BeforeAll
  static void load() {
    tokenizer = BgeTokenizer.load();
  }

  private static int[] ids(int... content) {
    int[] out = new int[content.length + 2];
    out[0] = CLS;
    System.arraycopy(content, 0, out, 1, content.length);
    out[out.length - 1] = SEP;
    return out;
  }

  @Test
  void specialIdsComeFromTheFile() {
    assertEquals(CLS, tokenizer.clsId());
    assertEquals(SEP, tokenizer.sepId());
    assertEquals(0, tokenizer.padId());
  }

  @Test
  void lowerCasesAndStripsAccents() {
    assertArrayEquals(ids(7668, 13675, 21382, 17076, 15687), tokenizer.encode("Café Crème Ångström"));
    assertArrayEquals(ids(7668), tokenizer.encode("CAFÉ"));
    assertArrayEquals(ids(7668, 1169, 29722, 29730, 29733, 9960), tokenizer.encode("Café ΟΔΟΣ İstanbul"));
  }

  @Test
  void splitsOnEveryPunctuationCharacterIncludingAsciiSymbols() {
    assertArrayEquals(ids(1057, 1012, 1055, 1012, 1037, 1012, 999, 1006, 7632, 1007), tokenizer.encode("U.S.A.! (hi)"));
    assertArrayEquals(ids(1002, 1019, 1009, 1017, 1027, 1022), tokenizer.encode("$5+3=8"));
    assertArrayEquals(ids(3348, 1024, 2931, 1012, 4182, 1024, 3882, 1010, 5365, 1012),
        tokenizer.encode("Sex: female. Birth: 1948, Hollywood."));
  }

  @Test
  void cjkIdeographsAreWordsOfTheirOwn() {
    assertArrayEquals(ids(1781, 1755, 1810, 1817), tokenizer.encode("北京大学"));
    assertArrayEquals(ids(1746, 1861, UNK, UNK, 1984), tokenizer.encode("中文字 ｶﾞ ﬁ"));
  }

  @Test
  void wordPiecesAreLongestFirstWithHashPrefix() {
    assertArrayEquals(ids(8852, 2666, 14477, 20961, 3468), tokenizer.encode("Stefanie unaffable"));
  }

  @Test
  void unmatchedAndOverlongWordsAreUnknown() {
    assertArrayEquals(ids(UNK, UNK, UNK), tokenizer.encode("\uD83E\uDD2A \uD83D\uDE00 \u0378x"));
    assertArrayEquals(ids(UNK), tokenizer.encode("x".repeat(101)));
    int[] hundred = tokenizer.encode("x".repeat(100));
    assertEquals(52, hundred.length);
    assertEquals(22038, hundred[1]);
    assertTrue(Arrays.stream(hundred, 2, 51).allMatch(id -> id == 20348), Arrays.toString(hundred));
  }

  @Test
  void dropsControlAndFormatCharactersAndMapsWhitespace() {
    assertArrayEquals(ids(5925, 3207), tokenizer.encode("a\u0000b\u0007c\u200Bd\uFFFDe"));
    assertArrayEquals(ids(1037, 1038, 1039, 1040), tokenizer.encode("a\tb\nc\u3000d"));
    assertArrayEquals(ids(11113, 1039, 1040), tokenizer.encode("\u0085a\u000Bb\u2028c\u00A0d"));
    assertArrayEquals(ids(), tokenizer.encode(""));
    assertArrayEquals(ids(), tokenizer.encode(" \t\n"));
  }

  @Test
  void literalSpecialTokensKeepTheirIdsAnywhereButOnlyInUpperCase() {
    assertArrayEquals(ids(4204, SEP, 8852, 2666, 4204), tokenizer.encode("Powers [SEP] Stefanie Powers"));
    assertArrayEquals(ids(1037, SEP, 1038, 1031, 19802, 1033, 103, 0, 1060, UNK, 1061),
        tokenizer.encode("a[SEP]b [sep] [MASK][PAD] x[UNK]y"));
    assertArrayEquals(ids(1031, 19802, 1033, SEP, SEP), tokenizer.encode("[sep] [SEP][SEP]"));
  }

  @Test
  void truncationCutsFromTheRightAndKeepsTheFinalSep() {
    String text = "U.S.A.! (hi)";
    assertArrayEquals(new int[] {CLS, 1057, 1012, 1055, SEP}, tokenizer.encode(text, 5));
    assertArrayEquals(new int[] {CLS, SEP}, tokenizer.encode(text, 2));
    assertArrayEquals(tokenizer.encode(text), tokenizer.encode(text, 12));
    assertArrayEquals(tokenizer.encode(text), tokenizer.encode(text, 512));
    assertArrayEquals(new int[] {CLS, 4204, SEP, SEP}, tokenizer.encode("Powers [SEP] Stefanie", 4));
    assertArrayEquals(new int[] {CLS, 8852, SEP}, tokenizer.encode("Stefanie", 3));
    assertThrows(IllegalArgumentException.class, () -> tokenizer.encode(text, 1));
  }

  @Test
  void aTokenizerFileAskingForSomethingElseIsRejectedNamingTheField() {
    String json = new String(BgeResources.read(BgeResources.TOKENIZER), StandardCharsets.UTF_8);
    String cased = json.replaceFirst("\"lowercase\":\\s*true", "\"lowercase\": false");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TokenizerJson.parse(cased.getBytes(StandardCharsets.UTF_8), "cased.json"));
    assertTrue(e.getMessage().contains("cased.json") && e.getMessage().contains("normalizer.lowercase"),
        e.getMessage());
    IllegalArgumentException broken = assertThrows(IllegalArgumentException.class,
        () -> TokenizerJson.parse("{\"model\":".getBytes(StandardCharsets.UTF_8), "broken.json"));
    assertTrue(broken.getMessage().startsWith("broken.json: not valid JSON"), broken.getMessage());
  }
}
