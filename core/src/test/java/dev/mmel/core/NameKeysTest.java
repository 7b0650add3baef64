package dev.mmel.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.text.Normalizer;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class NameKeysTest {

  @Test
  void partsAreTheLeadingAndTrailingRunsOfWords() {
    assertEquals(List.of("john", "john fitzgerald", "fitzgerald kennedy", "kennedy"),
        List.copyOf(NameKeys.partsOf("John Fitzgerald Kennedy")));
    assertEquals(List.of("stefanie", "powers"), List.copyOf(NameKeys.partsOf("Stéfanie Powers")));
  }

  @Test
  void anEntitysPartsAreThoseOfItsNamesThatNoWholeNameHas() {
    assertEquals(List.of("stefanie", "stefania", "federkiewicz"),
        List.copyOf(NameKeys.partsOf("Stefanie Powers", List.of("Stefania Federkiewicz",
            "Powers"))));
    String longName = IntStream.range(0, 200).mapToObj(i -> "w" + i)
        .collect(Collectors.joining(" "));
    assertEquals(NameKeys.MAX_ENTITY_PARTS, NameKeys.partsOf(longName, List.of()).size(),
        "399 parts, capped");
  }

  @Test
  void partsDropADisambiguatingQualifierAndNeverTheWholeName() {
    assertEquals(List.of("fred"), List.copyOf(NameKeys.partsOf("Fred (footballer, born 1979)")));
    assertEquals(List.of(), List.copyOf(NameKeys.partsOf("Madonna")));
    assertEquals(List.of(), List.copyOf(NameKeys.partsOf("?!")));
    assertEquals(List.of("ac"), List.copyOf(NameKeys.partsOf("AC (band)")));
  }

  @Test
  void dropsAccentsAndCase() {
    assertEquals("stefanie powers", NameKeys.of("Stéfanie  POWERS!"));
    assertEquals("beyonce", NameKeys.of("Beyoncé"));
    assertEquals("sao paulo", NameKeys.of("São Paulo"));
    assertEquals("zurich", NameKeys.of("ZÜRICH"));
    assertEquals("istanbul", NameKeys.of("İstanbul"), "the dot of İ is a mark");
    assertEquals("cafe", NameKeys.of("cafe\u0301"), "an already decomposed accent");
  }

  @Test
  void turnsPunctuationIntoSingleSpaces() {
    assertEquals("ac dc", NameKeys.of("AC/DC"));
    assertEquals("jean paul sartre", NameKeys.of("Jean-Paul Sartre"));
    assertEquals("o neil", NameKeys.of("O'Neil"));
    assertEquals("u s a", NameKeys.of("U.S.A."));
    assertEquals("hello world", NameKeys.of("  --Hello,\t  World!!\n"));
    assertEquals("", NameKeys.of("?!…"));
    assertEquals("", NameKeys.of(""));
  }

  @Test
  void keepsLettersAndDigitsOfEveryScript() {
    assertEquals("東京", NameKeys.of("東京"));
    assertEquals("東京タワー", NameKeys.of("東京タワー"), "ー is a modifier letter");
    assertEquals("北京 上海", NameKeys.of("北京・上海"));
    assertEquals("москва 2024", NameKeys.of("Москва, 2024"));
    assertEquals(NameKeys.of("서울"),
        NameKeys.of(Normalizer.normalize("서울", Normalizer.Form.NFD)), "composed or not");
    assertEquals("서울", NameKeys.of("서울"), "keys are recomposed");
  }

  @Test
  void keepsMarksThatMakeOtherLettersOutsideLatinAndGreek() {
    assertEquals("ガンダム", NameKeys.of("ガンダム"));
    assertNotEquals(NameKeys.of("ガンダム"), NameKeys.of("カンタム"), "voiced kana differ");
    assertEquals("हिन्दी", NameKeys.of("हिन्दी"), "Devanagari vowel signs stay");
    assertEquals("αθηνα", NameKeys.of("Αθήνα"), "Greek accents drop");
    assertEquals("йошкар ола", NameKeys.of("Йошкар-Ола"), "й is not и");
  }

  @Test
  void foldsCaseFully() {
    assertEquals(NameKeys.of("STRASSE"), NameKeys.of("Straße"));
  }

  @Test
  void foldsCompatibilityForms() {
    assertEquals("tokyo", NameKeys.of("ＴＯＫＹＯ"), "full-width Latin");
    assertEquals("milan kundera", NameKeys.of("Ｍｉｌａｎ\u3000Ｋｕｎｄｅｒａ"), "ideographic space");
    assertEquals("123", NameKeys.of("１２３"), "full-width digits");
    assertEquals("カタカナ", NameKeys.of("ｶﾀｶﾅ"), "half-width katakana");
    assertEquals("finance", NameKeys.of("ﬁnance"), "the fi ligature");
    assertEquals("h2o", NameKeys.of("H₂O"));
    assertEquals("louis xii", NameKeys.of("Louis Ⅻ"), "the roman numeral twelve");
  }

  @Test
  void variantsOfOneNameShareItsKey() {
    String key = NameKeys.of("Stefanie Powers");
    for (String variant : new String[] {"stefanie powers", "STEFANIE POWERS", "Stéfanie Powers",
        "Stefanie-Powers", " Stefanie   Powers. ", "Ｓｔｅｆａｎｉｅ Ｐｏｗｅｒｓ"}) {
      assertEquals(key, NameKeys.of(variant), variant);
    }
  }
}
