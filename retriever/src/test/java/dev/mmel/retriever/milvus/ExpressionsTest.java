package dev.mmel.retriever.milvus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmel.retriever.EntityFilter;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ExpressionsTest {
  @Test
  void literalsEscapeQuotesBackslashesAndControlCharacters() {
    assertEquals("\"Q42\"", Expressions.literal("Q42"));
    assertEquals("\"a\\\" or qid != \\\"\"", Expressions.literal("a\" or qid != \""));
    assertEquals("\"a\\\\\"", Expressions.literal("a\\"));
    assertEquals("\"a\\u000ab\\u0000\"", Expressions.literal("a\nb\0"));
    assertEquals("\"Beyoncé 'B'\"", Expressions.literal("Beyoncé 'B'"));
  }

  @Test
  void filtersBecomeInAndNotInOverTheQid() {
    assertEquals(Optional.empty(), Expressions.of(EntityFilter.none()));
    assertEquals(Optional.of("qid in [\"Q1\"]"), Expressions.of(EntityFilter.only(Set.of("Q1"))));
    assertEquals(Optional.of("qid not in [\"Q2\"]"),
        Expressions.of(EntityFilter.excluding(Set.of("Q2"))));
    assertEquals(Optional.of("(qid in [\"Q1\"]) and (qid not in [\"Q2\"])"),
        Expressions.of(new EntityFilter(Set.of("Q1"), Set.of("Q2"))));
    assertEquals("qid in [\"Q1\", \"Q\\\"2\"]", Expressions.qidIn(List.of("Q1", "Q\"2")));
  }

  @Test
  void nameLookUpMatchesTheNameKeyOrAnAliasKey() {
    String expression = Expressions.nameOrAliasKey("stefanie powers");
    assertEquals("name_key == \"stefanie powers\" or array_contains(alias_keys, "
        + "\"stefanie powers\")", expression);
    assertTrue(Expressions.nameOrAliasKey("a\"b").contains("\"a\\\"b\""));
  }
}
