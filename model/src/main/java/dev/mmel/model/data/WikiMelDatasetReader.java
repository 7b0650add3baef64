package dev.mmel.model.data;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The shared WikiMEL files: MELBench samples keyed by sample id (one sentence, one or more
 * mentions with their gold QIDs), the GHMFC knowledge base (QID -> name, QID -> attribute
 * abstract) and splits (split -> sample ids), and mention images as {@code images/<id>.jpg}.
 * Each (mention, answer) pair of a sample becomes one mention, with the sample's id.
 */
final class WikiMelDatasetReader implements DatasetReader {
  static final String MENTIONS = "mentions.json";
  static final String NAMES = "qid2name.json";
  static final String ABSTRACTS = "qid2abstract.json";
  static final String SPLITS = "splits.json";
  /** The dataset these files are. */
  static final String NAME = "wikimel";

  /** One validated sample. */
  private record Sample(String id, String sentence, List<String> mentions, List<String> answers) {}

  @Override
  public String expects() {
    return "WIKIMEL needs " + MENTIONS + ", " + NAMES + ", " + ABSTRACTS + " and " + SPLITS
        + " (images in images/<sample id>.jpg)";
  }

  @Override
  public boolean matches(Path dir) {
    return List.of(MENTIONS, NAMES, ABSTRACTS, SPLITS).stream()
        .allMatch(f -> Files.isRegularFile(dir.resolve(f)));
  }

  @Override
  public LinkingDataset read(Path dir) throws IOException {
    for (String file : List.of(MENTIONS, NAMES, ABSTRACTS, SPLITS)) {
      JsonFiles.requireFile(dir.resolve(file), "WikiMEL file (" + expects() + ")");
    }
    DatasetAssembler dataset = new DatasetAssembler(
        new DatasetOrigin(dir, DatasetFormat.WIKIMEL, NAME, "the WIKIMEL format"));
    DatasetReport.Builder report = dataset.report();
    Map<String, String> abstracts = abstracts(dir.resolve(ABSTRACTS), report);
    Path namesFile = dir.resolve(NAMES);
    JsonFiles.forEachEntry(namesFile, "WikiMEL names", (position, qid, name) -> {
      if (name.isTextual() && !name.asText().isBlank()) {
        dataset.entity(new KbEntity(qid, name.asText(), List.of(),
            abstracts.getOrDefault(qid, ""), null), namesFile.toString(), position);
      } else {
        report.malformed(namesFile.toString(), position, qid, "name must be a non-empty string");
      }
    });
    Map<String, Sample> samples = samples(dir.resolve(MENTIONS), report);
    // Without the images directory the copy is text only: no image is given, none is missing.
    Path images = dir.resolve("images").toAbsolutePath().normalize();
    boolean withImages = Files.isDirectory(images);
    Path splitsFile = dir.resolve(SPLITS);
    JsonFiles.forEachEntry(splitsFile, "WikiMEL splits", (position, split, ids) -> {
      if (!ids.isArray()) {
        report.malformed(splitsFile.toString(), position, split, "must be an array of sample ids");
        return;
      }
      dataset.split(split);
      int index = 0;
      for (JsonNode id : ids) {
        index++;
        if (!id.isTextual()) {
          report.malformed(splitsFile.toString(), position, split,
              "element " + index + " is not a sample id string: " + id);
        } else if (!samples.containsKey(id.asText())) {
          report.sampleMissing(split);
        } else if (samples.get(id.asText()) != null) {
          Sample sample = samples.get(id.asText());
          addMentions(dataset, split, sample,
              withImages ? images.resolve(sample.id() + ".jpg") : null);
        }
      }
    });
    return dataset.build();
  }

  private static void addMentions(DatasetAssembler dataset, String split, Sample sample,
      Path image) {
    for (int i = 0; i < sample.mentions().size(); i++) {
      dataset.mention(split, new LabelledMention(sample.id(), sample.mentions().get(i),
          sample.sentence(), "", sample.answers().get(i), image));
    }
  }

  private static Map<String, String> abstracts(Path file, DatasetReport.Builder report)
      throws IOException {
    Map<String, String> abstracts = new HashMap<>();
    JsonFiles.forEachEntry(file, "WikiMEL abstracts", (position, qid, text) -> {
      if (text.isTextual()) {
        abstracts.put(qid, text.asText());
      } else {
        report.malformed(file.toString(), position, qid, "abstract must be a string");
      }
    });
    return abstracts;
  }

  /** Samples by id; a malformed sample maps to null, so a split naming it is not "missing". */
  private static Map<String, Sample> samples(Path file, DatasetReport.Builder report)
      throws IOException {
    Map<String, Sample> samples = new HashMap<>();
    JsonFiles.forEachEntry(file, "WikiMEL mentions", (position, id, record) -> {
      try {
        samples.put(id, sample(id, record));
      } catch (RecordException e) {
        samples.put(id, null);
        report.malformed(file.toString(), position, e.field(),
            "in sample " + id + ": " + e.getMessage());
      }
    });
    return samples;
  }

  private static Sample sample(String id, JsonNode record) {
    RecordFields.requireObject(record);
    String sentence = RecordFields.text(record, "sentence");
    List<String> mentions = RecordFields.stringArray(record, "mentions");
    List<String> answers = RecordFields.stringArray(record, "answer");
    if (mentions.isEmpty()) {
      throw new RecordException("mentions", "must list at least one mention");
    }
    if (mentions.stream().anyMatch(String::isBlank)) {
      throw new RecordException("mentions", "must not hold an empty mention");
    }
    if (answers.size() != mentions.size()) {
      throw new RecordException("answer", "has " + answers.size() + " answers for "
          + mentions.size() + " mentions");
    }
    return new Sample(id, sentence, mentions, answers);
  }
}
