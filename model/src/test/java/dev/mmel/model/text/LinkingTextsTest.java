package dev.mmel.model.text;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Spec section 2, to the character: both sides of the index depend on these strings. */
class LinkingTextsTest {
  @Test
  void mentionTextAppendsSentenceAndDescription() {
    assertEquals("Powers [SEP] Powers with Noel Harrison [SEP] American actress",
        LinkingTexts.mention("Powers", "Powers with Noel Harrison", "American actress"));
    assertEquals("Powers [SEP] Powers with Noel Harrison [SEP] ",
        LinkingTexts.mention("Powers", "Powers with Noel Harrison", null));
  }

  @Test
  void entityTextIsNameAndDescription() {
    assertEquals("Stefanie Powers [SEP] Sex: female.",
        LinkingTexts.entity("Stefanie Powers", "Sex: female."));
    assertEquals("Stefanie Powers [SEP] ", LinkingTexts.entity("Stefanie Powers", null));
  }
}
