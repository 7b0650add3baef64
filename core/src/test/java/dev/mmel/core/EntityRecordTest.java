package dev.mmel.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class EntityRecordTest {

  private static void rejected(Executable create, String... parts) {
    String message = assertThrows(IllegalArgumentException.class, create).getMessage();
    for (String part : parts) {
      assertTrue(message.contains(part), "'" + part + "' missing from: " + message);
    }
  }

  private static EntityRecord named(String name) {
    return new EntityRecord("Q1", name, List.of(), "", "");
  }

  @Test
  void qidsAreIdsOfAtMost64Bytes() {
    new EntityRecord("Q42", "n", null, null, null);
    new EntityRecord("wd:Q42_b.c-d", "n", null, null, null);
    rejected(() -> new EntityRecord(null, "n", null, null, null), "qid", "got 'null'");
    rejected(() -> new EntityRecord("", "n", null, null, null), "qid");
    rejected(() -> new EntityRecord("Q 42", "n", null, null, null), "qid", "'Q 42'");
    new EntityRecord("Q" + "1".repeat(63), "n", null, null, null);
    rejected(() -> new EntityRecord("Q" + "1".repeat(64), "n", null, null, null),
        "qid is 65 bytes", "at most 64");
  }

  @Test
  void namesAreNonEmptyAndAtMost512Bytes() {
    rejected(() -> named(null), "Q1.name must not be empty");
    rejected(() -> named("  "), "Q1.name must not be empty");
    named("n".repeat(512));
    rejected(() -> named("n".repeat(513)), "Q1.name is 513 bytes", "at most 512");
  }

  @Test
  void limitsCountUtf8BytesNotCharacters() {
    named("é".repeat(256));
    rejected(() -> named("é".repeat(300)), "Q1.name is 600 bytes of UTF-8", "at most 512");
    rejected(() -> named("東".repeat(171)), "Q1.name is 513 bytes");
    rejected(() -> named("😀".repeat(129)), "Q1.name is 516 bytes");
  }

  @Test
  void aliasesAreAtMost64OfAtMost256Bytes() {
    List<String> many = new ArrayList<>(Collections.nCopies(64, "a"));
    new EntityRecord("Q1", "n", many, "", "");
    many.add("a");
    rejected(() -> new EntityRecord("Q1", "n", many, "", ""), "Q1.aliases holds 65 entries",
        "at most 64");
    new EntityRecord("Q1", "n", List.of("a".repeat(256)), "", "");
    rejected(() -> new EntityRecord("Q1", "n", List.of("ok", "ü".repeat(129)), "", ""),
        "Q1.aliases[] is 258 bytes", "at most 256");
  }

  @Test
  void descriptionAndImageRefHaveTheirLimits() {
    new EntityRecord("Q1", "n", null, "d".repeat(2048), "i".repeat(1024));
    rejected(() -> new EntityRecord("Q1", "n", null, "d".repeat(2049), ""),
        "Q1.description is 2049 bytes", "at most 2048");
    rejected(() -> new EntityRecord("Q1", "n", null, "", "i".repeat(1025)),
        "Q1.image_ref is 1025 bytes", "at most 1024");
  }

  @Test
  void missingOptionalFieldsBecomeEmptyAndAliasesAreCopied() {
    EntityRecord record = new EntityRecord("Q1", "n", null, null, null);
    assertEquals(List.of(), record.aliases());
    assertEquals("", record.description());
    assertEquals("", record.imageRef());
    List<String> aliases = new ArrayList<>(List.of("a"));
    EntityRecord copied = new EntityRecord("Q1", "n", aliases, "", "");
    aliases.add("b");
    assertEquals(List.of("a"), copied.aliases());
    assertThrows(UnsupportedOperationException.class, () -> copied.aliases().add("c"));
  }
}
