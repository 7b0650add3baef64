package dev.mmel.model.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReferenceDatasetReaderTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Real samples: several mentions (3199 with an image, 46351, 39875) and non-ASCII names. */
  private static final List<String> KB_SAMPLES = List.of("3199", "46351", "22511", "39875");
  /** Robert Morse, a gold answer of 39875 that the fixture KB leaves out. */
  private static final String LEFT_OUT = "Q218122";

  @Test
  void readsTheReleaseLayoutAndCountsWhatItSkips(@TempDir Path dir) throws Exception {
    RealWikiMel real = RealWikiMel.load();
    List<String> qids = writeFixture(dir, real);
    LinkingDataset dataset = DatasetReaders.open(dir, DatasetFormat.AUTO);

    assertEquals("WIKIMEL", dataset.name(), "named by its split files' prefix");
    assertEquals(qids, dataset.kb().stream().map(KbEntity::qid).toList());
    KbEntity henry = dataset.kb().get(qids.indexOf("Q334396"));
    assertEquals("Henry Labouchère", henry.name());
    assertEquals(real.abstractOf("Q334396"), henry.description());
    KbEntity obama = dataset.kb().get(qids.indexOf("Q76"));
    assertEquals(dir.resolve("kb_image/Q76.jpg").toAbsolutePath().toString(), obama.imagePath());
    assertNull(dataset.kb().get(qids.indexOf("Q13133")).imagePath());

    assertEquals(List.of("train", "dev", "test"), dataset.splitNames());
    List<LabelledMention> train = dataset.split("train");
    assertEquals(8, train.size());
    LabelledMention michelle = train.get(1);
    assertEquals("Michelle Obama", michelle.mention());
    assertEquals("Q13133", michelle.answerQid());
    assertEquals(real.sentence("3199"), michelle.sentence());
    assertEquals("train-2", michelle.sampleId());
    assertEquals("DME: " + real.name("Q13133"), michelle.description());
    assertEquals(dir.resolve("mention_image/3199.jpg").toAbsolutePath(), michelle.imagePath());
    assertNull(train.get(4).imagePath(), "imgPath \"\" means no image");
    assertNull(train.get(7).imagePath(), "a missing mention image becomes null");

    LabelledMention dev = dataset.split("dev").get(0);
    assertEquals("22511", dev.sampleId());
    assertEquals("Henry Labouchère", dev.mention());
    assertEquals("", dev.description());
    assertEquals(List.of(), dataset.split("test"));

    DatasetReport report = dataset.report();
    assertEquals(1, report.nilDropped());
    assertEquals(1, report.notInKbDropped());
    int with3199 = real.answers("3199").size();
    assertEquals(new ImageCounts(with3199, 9 - with3199 - 2, 2), report.mentionImages(),
        "3199's found, 39875's two mentions left in the KB missing, the others none given");
    assertEquals(new ImageCounts(1, qids.size() - 2, 1), report.entityImages());
    assertTrue(!report.textOnly());
    assertEquals(List.of(8, 1, 0), List.copyOf(report.keptPerSplit().values()));
    List<String> where = report.malformedRecords().stream()
        .map(r -> Path.of(r.source()).getFileName() + ":" + r.line() + ":" + r.field()).toList();
    int n = qids.size();
    assertEquals(List.of("qid2id.json:" + (n + 2) + ":Qbad",
        "kb_entity.json:" + (n + 1) + ":qid", "kb_entity.json:" + (n + 2) + ":id",
        "kb_entity.json:" + (n + 3) + ":entity_name", "kb_entity.json:" + (n + 4) + ":",
        "kb_entity.json:" + (n + 5) + ":entity_name", "WIKIMEL_train.json:11:mentions"), where);
    assertTrue(report.malformedRecords().get(2).problem().contains("999 is not in qid2id.json"));
    assertTrue(report.malformedRecords().get(5).problem().contains("invalid %-escape"));
  }

  @Test
  void aReleaseCopiedWithoutItsImageFoldersIsTextOnly(@TempDir Path dir) throws Exception {
    writeFixture(dir, RealWikiMel.load());
    for (String folder : List.of("kb_image", "mention_image")) {
      try (var files = Files.list(dir.resolve(folder))) {
        for (Path file : files.toList()) {
          Files.delete(file);
        }
      }
      Files.delete(dir.resolve(folder));
    }
    DatasetReport report = DatasetReaders.open(dir, DatasetFormat.AUTO).report();
    assertTrue(report.textOnly());
    assertEquals(0, report.mentionImages().fileMissing() + report.entityImages().fileMissing());
    assertTrue(report.summary().contains("images: none, text only"), report.summary());
  }

  @Test
  void aFileThatIsNotJsonIsFatalAndNamed(@TempDir Path dir) throws Exception {
    writeFixture(dir, RealWikiMel.load());
    Files.writeString(dir.resolve("WIKIMEL_dev.json"), "[{\"mentions\": ");
    IOException e = assertThrows(IOException.class,
        () -> DatasetReaders.open(dir, DatasetFormat.REFERENCE));
    assertTrue(e.getMessage().contains("WIKIMEL_dev.json"), e.getMessage());
  }

  @Test
  void splitFilesOfTwoPrefixesAreRefused(@TempDir Path dir) throws Exception {
    writeFixture(dir, RealWikiMel.load());
    Files.writeString(dir.resolve("RICHPEDIA_test.json"), "[]");
    IOException e = assertThrows(IOException.class,
        () -> DatasetReaders.open(dir, DatasetFormat.REFERENCE));
    assertTrue(e.getMessage().contains("[RICHPEDIA, WIKIMEL]"), e.getMessage());
  }

  @Test
  void aMissingKbFileIsNamed(@TempDir Path dir) throws Exception {
    writeFixture(dir, RealWikiMel.load());
    Files.delete(dir.resolve("kb_entity.json"));
    NoSuchFileException e = assertThrows(NoSuchFileException.class,
        () -> DatasetReaders.open(dir, DatasetFormat.REFERENCE));
    assertTrue(e.getMessage().contains("kb_entity.json"), e.getMessage());
  }

  /** Writes the fixture; returns the QIDs of the valid KB entities in order. */
  private static List<String> writeFixture(Path dir, RealWikiMel real) throws IOException {
    List<String> qids = new ArrayList<>();
    KB_SAMPLES.forEach(s -> real.answers(s).stream()
        .filter(q -> !q.equals(LEFT_OUT) && !qids.contains(q)).forEach(qids::add));
    ObjectNode qid2id = JSON.createObjectNode();
    qids.forEach(q -> qid2id.put(q, qid2id.size()));
    qid2id.put("Q1", qids.size());
    qid2id.put("Qbad", "seven");
    JSON.writeValue(dir.resolve("qid2id.json").toFile(), qid2id);

    ArrayNode kb = JSON.createArrayNode();
    for (int id = 0; id < qids.size(); id++) {
      String qid = qids.get(id);
      ObjectNode entity = kb.addObject().put("id", id).put("type", "entity")
          .put("entity_name", quote(real.name(qid)))
          .put(id % 2 == 0 ? "desc" : "attr", real.abstractOf(qid));
      ArrayNode images = entity.putArray("image_list");
      if (qid.equals("Q76")) {
        images.add("absent.jpg").add("Q76.jpg");
      } else if (qid.equals("Q13133")) {
        images.add("gone.jpg");
      }
    }
    kb.addObject().put("id", qids.indexOf("Q76")).put("entity_name", "Someone%20Else");
    kb.addObject().put("id", 999).put("entity_name", "Nobody");
    kb.addObject().put("id", qids.size()).put("entity_name", 42);
    kb.add("not an object");
    kb.addObject().put("id", qids.size()).put("entity_name", "Bad%zzEscape");
    JSON.writeValue(dir.resolve("kb_entity.json").toFile(), kb);
    Files.createDirectories(dir.resolve("kb_image"));
    Files.copy(real.image("3199"), dir.resolve("kb_image/Q76.jpg"));
    Files.createDirectories(dir.resolve("mention_image"));
    Files.copy(real.image("3199"), dir.resolve("mention_image/3199.jpg"));

    ArrayNode train = JSON.createArrayNode();
    addSample(train, real, "3199", "wikimel/images/3199.png", false);
    addSample(train, real, "46351", "", false);
    addSample(train, real, "39875", "x/39875.jpeg", false);
    train.addObject().put("mentions", "Obama").put("sentence", "Obama speaks").put("imgPath", "")
        .put("answer", "nil");
    train.addObject().put("mentions", 7).put("sentence", "s").put("answer", "Q76");
    JSON.writeValue(dir.resolve("WIKIMEL_train.json").toFile(), train);
    ArrayNode dev = JSON.createArrayNode();
    addSample(dev, real, "22511", "", true);
    ((ObjectNode) dev.get(0)).remove("desc");
    JSON.writeValue(dir.resolve("WIKIMEL_dev.json").toFile(), dev);
    Files.writeString(dir.resolve("WIKIMEL_test.json"), "[]");
    return qids;
  }

  private static void addSample(ArrayNode split, RealWikiMel real, String sampleId,
      String imgPath, boolean withId) {
    List<String> answers = real.answers(sampleId);
    for (int i = 0; i < answers.size(); i++) {
      ObjectNode record = split.addObject();
      if (withId) {
        record.put("id", sampleId);
      }
      record.put("mentions", quote(real.mentions(sampleId).get(i)))
          .put("entities", real.name(answers.get(i))).put("sentence", real.sentence(sampleId))
          .put("imgPath", imgPath).put("answer", answers.get(i))
          .put("desc", "DME: " + real.name(answers.get(i)));
    }
  }

  /** Python's urllib.parse.quote, which wrote the release: a space is %20, never '+'. */
  private static String quote(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
