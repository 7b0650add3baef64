package dev.mmel.model.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonlDatasetReaderTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void readsKbAndMentionFilesAndListsEveryBadLine(@TempDir Path dir) throws Exception {
    RealWikiMel real = RealWikiMel.load();
    List<String> kb = new ArrayList<>();
    List<String> qids = new ArrayList<>(real.answers("3199"));
    qids.addAll(real.answers("46351"));
    for (String qid : qids) {
      kb.add(KbJsonl.toLine(new KbEntity(qid, real.name(qid), List.of(), real.abstractOf(qid),
          qid.equals("Q76") ? "images/Q76.jpg" : null)));
    }
    kb.add("");
    kb.add(KbJsonl.toLine(new KbEntity("Q76", "Another Obama", List.of(), "", null)));
    kb.add("{\"qid\":\"Q9\"}");
    Files.writeString(dir.resolve("kb.jsonl"), String.join("\n", kb));
    Files.createDirectories(dir.resolve("images"));
    Files.copy(real.image("3199"), dir.resolve("images/3199.jpg"));
    Files.copy(real.image("3199"), dir.resolve("images/Q76.jpg"));

    List<String> train = new ArrayList<>();
    sampleLines(train, real, "3199", "images/3199.jpg");
    sampleLines(train, real, "46351", null);
    train.add(line("39875", "Robert Morse", "s", "Q218122", null));
    train.add(line("n1", "Obama", "s", "nil", null));
    train.add(line("i1", "Obama", "s", "Q76", "images/none.jpg"));
    train.add("");
    train.add("{\"id\":5,\"mention\":\"Obama\",\"sentence\":\"s\",\"answer\":\"Q76\"}");
    train.add("{\"id\":\"x\",\"mention\":\"Obama\",\"sentence\":\"s\"}");
    train.add("{\"id\":\"x\",\"mention\":\"Obama\",\"sentence\":\"s\",\"answers\":[\"Q76\"]}");
    train.add("{\"id\":\"x\",");
    train.add("{\"id\":\"x\",\"mention\":\" \",\"sentence\":\"s\",\"answer\":\"Q76\"}");
    train.add("{\"id\":\"x\",\"mention\":\"m\",\"sentence\":\"s\",\"answer\":\"Q76\","
        + "\"description\":3}");
    Files.write(dir.resolve("mentions-train.jsonl"), train);
    Files.write(dir.resolve("mentions-dev.jsonl"),
        List.of(line("46351", "Powers", real.sentence("46351"), "Q256474", null)));
    Files.writeString(dir.resolve("mentions-test.jsonl"), "");

    LinkingDataset dataset = DatasetReaders.open(dir, DatasetFormat.AUTO);

    assertEquals(qids, dataset.kb().stream().map(KbEntity::qid).toList());
    assertEquals(dir.resolve("images/Q76.jpg").toAbsolutePath().toString(),
        dataset.kb().get(qids.indexOf("Q76")).imagePath());
    assertEquals(List.of("train", "dev", "test"), dataset.splitNames());
    List<LabelledMention> kept = dataset.split("train");
    assertEquals(7, kept.size());
    assertEquals(List.of("3199", "3199", "3199", "3199", "46351", "46351", "i1"),
        kept.stream().map(LabelledMention::sampleId).toList());
    assertEquals(real.mentions("46351"), List.of(kept.get(4).mention(), kept.get(5).mention()));
    assertEquals(dir.resolve("images/3199.jpg").toAbsolutePath(), kept.get(0).imagePath());
    assertEquals("DME of " + real.mentions("3199").get(0), kept.get(0).description());
    assertNull(kept.get(6).imagePath());
    assertEquals(1, dataset.split("dev").size());
    assertEquals(0, dataset.split("test").size());

    DatasetReport report = dataset.report();
    assertEquals(1, report.nilDropped());
    assertEquals(1, report.notInKbDropped());
    assertEquals(new ImageCounts(4, 3, 1), report.mentionImages(),
        "3199's four with an image, 46351's three without, i1's file is not there");
    assertEquals(new ImageCounts(1, qids.size() - 1, 0), report.entityImages());
    assertTrue(report.summary().contains("images: mention 4 found, 3 not given, 1 file missing"),
        report.summary());
    assertEquals(dir.getFileName().toString(), dataset.name());
    assertTrue(dataset.origin().declaredName().isEmpty(), "no dataset.json, no declared name");
    assertTrue(report.summary().startsWith("dataset " + dir.getFileName()
        + " (directory name; the dataset declares none)"), report.summary());
    int kbLines = qids.size();
    List<String> where = report.malformedRecords().stream()
        .map(r -> Path.of(r.source()).getFileName() + ":" + r.line() + ":" + r.field()).toList();
    assertEquals(List.of("kb.jsonl:" + (kbLines + 2) + ":qid", "kb.jsonl:" + (kbLines + 3) + ":name",
        "mentions-train.jsonl:11:id", "mentions-train.jsonl:12:answer",
        "mentions-train.jsonl:13:answers", "mentions-train.jsonl:14:",
        "mentions-train.jsonl:15:mention", "mentions-train.jsonl:16:description"), where);
    assertTrue(report.malformedRecords().get(0).problem().contains("duplicate QID Q76"));
    assertTrue(report.malformedRecords().get(4).toString().contains("is not a known field"));
  }

  @Test
  void datasetJsonDeclaresTheNameAndATypoIsRefused(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("kb.jsonl"), line("Q76", "Barack Obama"));
    Files.writeString(dir.resolve("mentions-train.jsonl"), line("1", "Obama", "s", "Q76", null));
    Files.writeString(dir.resolve("dataset.json"), "{\"name\": \"WikiDiverse\"}");
    LinkingDataset dataset = DatasetReaders.open(dir, DatasetFormat.AUTO);
    assertEquals("WikiDiverse", dataset.name());
    assertEquals(java.util.Optional.of("dataset.json"), dataset.origin().namedBy());
    assertEquals(DatasetFormat.JSONL, dataset.origin().format());
    assertTrue(dataset.report().summary().startsWith("dataset WikiDiverse:"),
        dataset.report().summary());
    assertTrue(dataset.report().summary().contains("images: none, text only"),
        dataset.report().summary());

    Files.writeString(dir.resolve("dataset.json"), "{\"nmae\": \"WikiDiverse\"}");
    IOException typo = assertThrows(IOException.class,
        () -> DatasetReaders.open(dir, DatasetFormat.AUTO));
    assertTrue(typo.getMessage().contains("unknown key 'nmae'"), typo.getMessage());
    Files.writeString(dir.resolve("dataset.json"), "{\"name\": 3}");
    IOException notText = assertThrows(IOException.class,
        () -> DatasetReaders.open(dir, DatasetFormat.AUTO));
    assertTrue(notText.getMessage().contains("\"name\" must be a non-empty string"),
        notText.getMessage());
  }

  @Test
  void theWriterKeepsTheNameAndDropsAStaleOne(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("kb.jsonl"), line("Q76", "Barack Obama"));
    Files.writeString(dir.resolve("mentions-train.jsonl"), line("1", "Obama", "s", "Q76", null));
    LinkingDataset unnamed = DatasetReaders.open(dir, DatasetFormat.AUTO);
    Path out = dir.resolve("out");
    DatasetJsonlWriter.write(unnamed.named("RichpediaMEL", "a test"), out);
    assertEquals("RichpediaMEL", DatasetReaders.open(out, DatasetFormat.AUTO).name());
    DatasetJsonlWriter.write(unnamed, out);
    assertTrue(DatasetReaders.open(out, DatasetFormat.AUTO).origin().declaredName().isEmpty());
    assertTrue(!Files.exists(out.resolve("dataset.json")));
  }

  private static String line(String qid, String name) {
    return KbJsonl.toLine(new KbEntity(qid, name, List.of(), "", null));
  }

  @Test
  void aDirectoryWithoutMentionFilesIsRefusedByName(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("kb.jsonl"), "");
    NoSuchFileException e = assertThrows(NoSuchFileException.class,
        () -> DatasetReaders.open(dir, DatasetFormat.JSONL));
    assertTrue(e.getMessage().contains("mentions-SPLIT.jsonl"), e.getMessage());
  }

  private static void sampleLines(List<String> lines, RealWikiMel real, String sampleId,
      String image) {
    List<String> answers = real.answers(sampleId);
    for (int i = 0; i < answers.size(); i++) {
      ObjectNode node = node(sampleId, real.mentions(sampleId).get(i), real.sentence(sampleId),
          answers.get(i), image);
      node.put("description", "DME of " + real.mentions(sampleId).get(i));
      lines.add(node.toString());
    }
  }

  private static String line(String id, String mention, String sentence, String answer,
      String image) {
    return node(id, mention, sentence, answer, image).toString();
  }

  private static ObjectNode node(String id, String mention, String sentence, String answer,
      String image) {
    ObjectNode node = JSON.createObjectNode().put("id", id).put("mention", mention)
        .put("sentence", sentence).put("answer", answer);
    if (image != null) {
      node.put("image", image);
    }
    return node;
  }
}
