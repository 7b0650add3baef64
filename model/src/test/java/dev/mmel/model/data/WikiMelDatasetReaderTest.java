package dev.mmel.model.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WikiMelDatasetReaderTest {

  @Test
  void readsTheSharedWikiMelWithOneMentionPerAnswer() throws Exception {
    LinkingDataset dataset = DatasetReaders.open(RealWikiMel.root(), DatasetFormat.AUTO);

    assertEquals("wikimel", dataset.name());
    assertEquals(18_880, dataset.kb().size());
    assertEquals(List.of("train", "dev", "test"), dataset.splitNames());
    DatasetReport report = dataset.report();
    assertEquals(Map.of("train", 18_088, "dev", 2_627, "test", 5_131), report.keptPerSplit());
    // The GHMFC splits list 17,091 / 2,443 / 4,883 sample ids; MELBench lacks some of them.
    Map<String, Integer> listed = Map.of("train", 17_091, "dev", 2_443, "test", 4_883);
    for (String split : dataset.splitNames()) {
      long samples = dataset.split(split).stream().map(LabelledMention::sampleId).distinct()
          .count();
      assertEquals((long) listed.get(split), samples + report.samplesMissingPerSplit().get(split),
          split);
    }
    assertEquals(2_281, report.samplesMissing());
    assertEquals(0, report.malformed());
    assertEquals(0, report.nilDropped());
    assertEquals(0, report.notInKbDropped());
    assertEquals(new ImageCounts(0, 18_880, 0), report.entityImages());
    long withImage = dataset.splitNames().stream().flatMap(s -> dataset.split(s).stream())
        .filter(m -> m.imagePath() != null).count();
    assertEquals(37, withImage, "mentions of the samples whose image is here");
    assertEquals(new ImageCounts(37, 0, 25_846 - 37), report.mentionImages());
    assertEquals(java.util.Optional.of("wikimel"), dataset.origin().declaredName());

    List<LabelledMention> powers = dataset.split("train").stream()
        .filter(m -> m.sampleId().equals("46351")).toList();
    assertEquals(List.of("Noel Harrison", "Powers"),
        powers.stream().map(LabelledMention::mention).toList());
    assertEquals(List.of("Q532915", "Q256474"),
        powers.stream().map(LabelledMention::answerQid).toList());
    KbEntity stefanie = dataset.kb().stream().filter(e -> e.qid().equals("Q256474")).findFirst()
        .orElseThrow();
    assertEquals("Stefanie Powers", stefanie.name());
    assertTrue(stefanie.description().startsWith("Sex: female."), stefanie.description());
    assertNotNull(new ObjectMapper().writeValueAsString(report.toJson()));
  }

  @Test
  void writtenAsJsonlItReadsBackEqual(@TempDir Path dir) throws Exception {
    LinkingDataset wikimel = DatasetReaders.open(RealWikiMel.root(), DatasetFormat.WIKIMEL);
    DatasetJsonlWriter.write(wikimel, dir);
    LinkingDataset back = DatasetReaders.open(dir, DatasetFormat.AUTO);

    assertEquals(wikimel.kb(), back.kb());
    assertEquals(wikimel.splitNames(), back.splitNames());
    for (String split : wikimel.splitNames()) {
      assertEquals(wikimel.split(split), back.split(split), split);
    }
    assertEquals(0, back.report().malformed());
    assertEquals("wikimel", back.name(), "dataset.json carries the name over");
    assertTrue(Files.readString(dir.resolve("mentions-train.jsonl")).contains("\"id\":\"46351\""));
  }

  @Test
  void badSamplesAreListedWithTheirSampleId(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("qid2name.json"), "{\"Q1\":\"One\",\"Q2\":\"\",\"Q1 \":\"x\"}");
    Files.writeString(dir.resolve("qid2abstract.json"), "{\"Q1\":\"first\"}");
    Files.writeString(dir.resolve("mentions.json"), "{"
        + "\"a\":{\"sentence\":\"One and two\",\"mentions\":[\"One\",\"two\"],"
        + "\"answer\":[\"Q1\",\"nil\"]},"
        + "\"b\":{\"sentence\":\"s\",\"mentions\":[\"x\",\"y\"],\"answer\":[\"Q1\"]},"
        + "\"c\":{\"sentence\":\"s\",\"mentions\":[\"x\"],\"answer\":[\"Q7\"]}}");
    Files.writeString(dir.resolve("splits.json"),
        "{\"train\":[\"a\",\"b\",\"zz\",3],\"test\":[\"c\"]}");
    LinkingDataset dataset = DatasetReaders.open(dir, DatasetFormat.AUTO);

    assertEquals(List.of("Q1"), dataset.kb().stream().map(KbEntity::qid).toList());
    assertEquals("first", dataset.kb().get(0).description());
    assertEquals(List.of("train", "test"), dataset.splitNames());
    assertEquals(1, dataset.split("train").size());
    DatasetReport report = dataset.report();
    assertEquals(1, report.nilDropped());
    assertEquals(1, report.notInKbDropped());
    assertEquals(Map.of("train", 1), report.samplesMissingPerSplit());
    assertEquals(new ImageCounts(0, 1, 0), report.mentionImages(),
        "without images/ the copy is text only: no image given, none missing");
    assertTrue(report.summary().contains("images: none, text only"), report.summary());
    assertEquals(List.of("qid2name.json:2:Q2", "qid2name.json:3:qid", "mentions.json:2:answer",
        "splits.json:1:train"), report.malformedRecords().stream()
        .map(r -> Path.of(r.source()).getFileName() + ":" + r.line() + ":" + r.field()).toList());
    assertTrue(report.malformedRecords().get(2).problem()
        .contains("in sample b: has 1 answers for 2 mentions"));
  }
}
