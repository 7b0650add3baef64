package dev.mmel.model.data;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The MIMIC / MMoE release layout (MMOE_SPEC section 10): {@code qid2id.json} maps QIDs to the
 * integer ids of {@code kb_entity.json}; split files {@code PREFIX_train.json} (and dev, test)
 * hold one mention per record; images sit in {@code kb_image/} and {@code mention_image/}.
 */
final class ReferenceDatasetReader implements DatasetReader {
  static final String QID2ID = "qid2id.json";
  static final String KB = "kb_entity.json";
  private static final Pattern SPLIT_FILE = Pattern.compile("(.+)_(train|dev|test)\\.json");

  @Override
  public String expects() {
    return "REFERENCE needs " + QID2ID + ", " + KB + " and PREFIX_train.json / PREFIX_dev.json / "
        + "PREFIX_test.json (images in kb_image/ and mention_image/)";
  }

  @Override
  public boolean matches(Path dir) {
    return Files.isRegularFile(dir.resolve(QID2ID)) && Files.isRegularFile(dir.resolve(KB));
  }

  @Override
  public LinkingDataset read(Path dir) throws IOException {
    Map<String, Path> splitFiles = splitFiles(dir);
    String prefix = prefixOf(splitFiles.values().iterator().next());
    DatasetAssembler dataset = new DatasetAssembler(new DatasetOrigin(dir,
        DatasetFormat.REFERENCE, prefix, "the split files' prefix (" + prefix + "_SPLIT.json)"));
    Map<Long, String> qids = qidsById(dir.resolve(QID2ID), dataset.report());
    Path kbFile = dir.resolve(KB);
    Path kbImages = imageDirectory(dir, "kb_image");
    JsonFiles.forEachElement(kbFile, "reference KB", (position, key, record) -> {
      try {
        dataset.entity(entity(record, qids, kbImages), kbFile.toString(), position);
      } catch (RecordException e) {
        dataset.report().malformed(e.at(kbFile.toString(), position));
      }
    });
    Path mentionImages = imageDirectory(dir, "mention_image");
    for (Map.Entry<String, Path> split : splitFiles.entrySet()) {
      Path file = split.getValue();
      dataset.split(split.getKey());
      JsonFiles.forEachElement(file, "reference split file", (position, key, record) -> {
        try {
          dataset.mention(split.getKey(), mention(record, split.getKey(), position,
              mentionImages));
        } catch (RecordException e) {
          dataset.report().malformed(e.at(file.toString(), position));
        }
      });
    }
    return dataset.build();
  }

  private static String prefixOf(Path splitFile) {
    Matcher m = SPLIT_FILE.matcher(splitFile.getFileName().toString());
    if (!m.matches()) {
      throw new IllegalArgumentException(splitFile + " is not a PREFIX_SPLIT.json file");
    }
    return m.group(1);
  }

  /** The split files by split name; exactly one prefix must have them. */
  private static Map<String, Path> splitFiles(Path dir) throws IOException {
    Map<String, Path> files = new TreeMap<>();
    TreeSet<String> prefixes = new TreeSet<>();
    try (Stream<Path> listing = Files.list(dir)) {
      for (Path file : listing.filter(Files::isRegularFile).toList()) {
        Matcher m = SPLIT_FILE.matcher(file.getFileName().toString());
        if (m.matches()) {
          prefixes.add(m.group(1));
          files.put(m.group(2), file);
        }
      }
    }
    if (prefixes.isEmpty()) {
      throw new java.nio.file.NoSuchFileException(dir.toString(), null,
          "no reference split files (PREFIX_train.json, PREFIX_dev.json, PREFIX_test.json)");
    }
    if (prefixes.size() > 1) {
      throw new IOException(dir + " holds split files of several prefixes " + prefixes
          + "; keep one dataset per directory");
    }
    return files;
  }

  private static Map<Long, String> qidsById(Path file, DatasetReport.Builder report)
      throws IOException {
    Map<Long, String> qids = new HashMap<>();
    long position = 0;
    for (var it = JsonFiles.readObject(file, "reference QID map").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      position++;
      JsonNode id = entry.getValue();
      if (!id.canConvertToExactIntegral() || id.asLong() < 0) {
        report.malformed(file.toString(), position, entry.getKey(),
            "must map to a non-negative integer id, got " + id);
      } else if (qids.putIfAbsent(id.asLong(), entry.getKey()) != null) {
        report.malformed(file.toString(), position, entry.getKey(), "id " + id.asLong()
            + " is already the id of " + qids.get(id.asLong()));
      }
    }
    return qids;
  }

  private static KbEntity entity(JsonNode record, Map<Long, String> qids, Path images) {
    RecordFields.requireObject(record);
    long id = RecordFields.id(record, "id");
    String qid = qids.get(id);
    if (qid == null) {
      throw new RecordException("id", "id " + id + " is not in " + QID2ID);
    }
    String name = RecordFields.urlDecoded(RecordFields.nonEmptyText(record, "entity_name"),
        "entity_name");
    String description = record.hasNonNull("desc") ? RecordFields.text(record, "desc")
        : RecordFields.optionalText(record, "attr");
    return new KbEntity(qid, name, List.of(), description, image(
        RecordFields.stringArray(record, "image_list"), images));
  }

  /**
   * An image folder of the release, or null when the copy has none: a release copied without
   * its images is text only, so its records give no image rather than a missing one.
   */
  private static Path imageDirectory(Path dir, String name) {
    Path images = dir.resolve(name).toAbsolutePath().normalize();
    return Files.isDirectory(images) ? images : null;
  }

  /** The first listed image that exists; else the first listed, for the missing count. */
  private static String image(List<String> listed, Path images) {
    if (images == null) {
      return null;
    }
    List<Path> paths = listed.stream().filter(s -> !s.isBlank()).map(images::resolve).toList();
    return paths.stream().filter(Files::isRegularFile).findFirst()
        .or(() -> paths.stream().findFirst()).map(Path::toString).orElse(null);
  }

  private static LabelledMention mention(JsonNode record, String split, long position,
      Path images) {
    RecordFields.requireObject(record);
    String mention = RecordFields.urlDecoded(RecordFields.nonEmptyText(record, "mentions"),
        "mentions");
    String sentence = RecordFields.text(record, "sentence");
    String answer = RecordFields.nonEmptyText(record, "answer");
    String description = RecordFields.optionalText(record, "desc");
    String imgPath = RecordFields.optionalText(record, "imgPath");
    Path image = imgPath.isBlank() || images == null ? null : images.resolve(jpgBaseName(imgPath));
    String sampleId = record.hasNonNull("id") ? sampleId(record.get("id")) : split + "-" + position;
    return new LabelledMention(sampleId, mention, sentence, description, answer, image);
  }

  private static String sampleId(JsonNode id) {
    if (!(id.isTextual() || id.canConvertToExactIntegral()) || id.asText().isBlank()) {
      throw new RecordException("id", "must be a non-empty string or an integer");
    }
    return id.asText();
  }

  /** The release stores mention images as the base name of imgPath with a .jpg extension. */
  private static String jpgBaseName(String imgPath) {
    String base = imgPath.substring(Math.max(imgPath.lastIndexOf('/'), imgPath.lastIndexOf('\\'))
        + 1);
    if (base.isBlank()) {
      throw new RecordException("imgPath", "'" + imgPath + "' has no file name");
    }
    int dot = base.lastIndexOf('.');
    return (dot > 0 ? base.substring(0, dot) : base) + ".jpg";
  }
}
