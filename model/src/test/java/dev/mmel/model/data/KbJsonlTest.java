package dev.mmel.model.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KbJsonlTest {

  @Test
  void readsEntitiesAndReportsEveryMalformedLineWithoutStopping(@TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("kb.jsonl");
    Files.writeString(file, String.join("\n",
        "{\"qid\":\"Q42\",\"name\":\"Douglas Adams\",\"aliases\":[\"Douglas Noel Adams\",\"\"],"
            + "\"description\":\"English writer\",\"image\":\"img/Q42.jpg\"}",
        "",
        "{\"qid\":\"Q1\",\"name\":\"Universe\"}",
        "{not json",
        "[1,2]",
        "{\"qid\":\"Q 2\",\"name\":\"x\"}",
        "{\"qid\":\"Q3\",\"name\":\"  \"}",
        "{\"qid\":\"Q4\",\"name\":\"n\",\"aliases\":\"one\"}",
        "{\"qid\":\"Q5\",\"name\":\"n\",\"desc\":\"typo\"}",
        "{\"qid\":\"Q6\",\"name\":\"n\",\"image\":\"/abs/q6.png\",\"description\":null}"));
    List<KbEntity> entities = new ArrayList<>();
    List<MalformedRecord> errors = new ArrayList<>();
    KbJsonl.read(file, entities::add, errors::add);

    assertEquals(List.of("Q42", "Q1", "Q6"), entities.stream().map(KbEntity::qid).toList());
    KbEntity adams = entities.get(0);
    assertEquals(List.of("Douglas Noel Adams"), adams.aliases());
    assertEquals("English writer", adams.description());
    assertEquals(dir.toAbsolutePath().resolve("img/Q42.jpg").toString(), adams.imagePath());
    assertNull(entities.get(1).imagePath());
    assertEquals("", entities.get(1).description());
    assertEquals("/abs/q6.png", entities.get(2).imagePath());

    assertEquals(List.of(4L, 5L, 6L, 7L, 8L, 9L),
        errors.stream().map(MalformedRecord::line).toList());
    assertTrue(errors.get(0).toString().startsWith(file + ":4: is not valid JSON"),
        errors.get(0).toString());
    assertEquals("qid", errors.get(2).field());
    assertEquals("name", errors.get(3).field());
    assertEquals("aliases", errors.get(4).field());
    assertTrue(errors.get(5).toString().contains("field 'desc' is not a KB field"));
  }

  @Test
  void writtenLinesReadBackEqual() {
    KbEntity entity = new KbEntity("Q42", "Douglas \"DNA\" Adams", List.of("DNA"), "writer",
        "/img/q42.jpg");
    KbJsonl.Parsed parsed = KbJsonl.parseLine(KbJsonl.toLine(entity), "mem", 1, null);
    assertEquals(entity, parsed.entity());
  }
}
