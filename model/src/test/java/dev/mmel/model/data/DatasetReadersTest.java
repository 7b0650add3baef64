package dev.mmel.model.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetReadersTest {

  @Test
  void aDirectoryMatchingNoFormatGetsWhatEachFormatExpects(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("kb.jsonl"), "");
    IOException e = assertThrows(IOException.class,
        () -> DatasetReaders.open(dir, DatasetFormat.AUTO));
    for (String expected : List.of("REFERENCE needs qid2id.json", "WIKIMEL needs mentions.json",
        "JSONL needs kb.jsonl")) {
      assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
  }

  @Test
  void aMissingOrPlainFileLocationIsRefused(@TempDir Path dir) throws Exception {
    assertThrows(NoSuchFileException.class,
        () -> DatasetReaders.open(dir.resolve("nope"), DatasetFormat.AUTO));
    Path file = Files.writeString(dir.resolve("kb.jsonl"), "");
    assertThrows(NotDirectoryException.class, () -> DatasetReaders.open(file, DatasetFormat.JSONL));
  }

  @Test
  void anExplicitFormatNamesTheFileItLacks(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("mentions.json"), "{}");
    NoSuchFileException e = assertThrows(NoSuchFileException.class,
        () -> DatasetReaders.open(dir, DatasetFormat.WIKIMEL));
    assertTrue(e.getMessage().contains("qid2name.json"), e.getMessage());
  }

  @Test
  void anUnknownSplitNamesTheAvailableOnes(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("kb.jsonl"), "{\"qid\":\"Q1\",\"name\":\"One\"}\n");
    Files.writeString(dir.resolve("mentions-train.jsonl"),
        "{\"id\":\"1\",\"mention\":\"One\",\"sentence\":\"One\",\"answer\":\"Q1\"}\n");
    Files.writeString(dir.resolve("mentions-val.jsonl"), "{\"id\":\"2\"}\n");
    LinkingDataset dataset = DatasetReaders.open(dir, DatasetFormat.AUTO);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> dataset.split("test"));
    assertTrue(e.getMessage().contains("available: train, val"), e.getMessage());

    DatasetReport report = dataset.report();
    String summary = report.summary();
    assertTrue(summary.contains("mentions kept: train 1, val 0"), summary);
    assertTrue(summary.contains("mentions-val.jsonl:1: field 'mention'"), summary);
    JsonNode json = new ObjectMapper().valueToTree(report.toJson());
    assertEquals(1, json.get("malformed").asInt());
    assertEquals("mention", json.get("malformed_records").get(0).get("field").asText());
    assertEquals(Map.of("train", 1, "val", 0), report.keptPerSplit());
  }
}
