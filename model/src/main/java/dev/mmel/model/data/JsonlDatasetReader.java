package dev.mmel.model.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * mmel's own layout (docs/DATASETS.md): {@code kb.jsonl} in the {@link KbJsonl} format and one
 * {@code mentions-SPLIT.jsonl} per split in the {@link MentionJsonl} format; an optional
 * {@code dataset.json} declares its name ({@link DatasetMetadata}).
 */
final class JsonlDatasetReader implements DatasetReader {
  static final String KB = "kb.jsonl";
  private static final Pattern MENTIONS = Pattern.compile("mentions-([A-Za-z0-9_.-]+)\\.jsonl");

  /** The file name of a split's mentions; fails for a name the reader would not find again. */
  static String mentionFile(String split) {
    String name = "mentions-" + split + ".jsonl";
    if (!MENTIONS.matcher(name).matches()) {
      throw new IllegalArgumentException("split name '" + split + "' must be letters, digits or "
          + "_.- to become a file name");
    }
    return name;
  }

  @Override
  public String expects() {
    return "JSONL needs " + KB + " and one or more mentions-SPLIT.jsonl (e.g. mentions-train.jsonl)";
  }

  @Override
  public boolean matches(Path dir) {
    try {
      return Files.isRegularFile(dir.resolve(KB)) && !mentionFiles(dir).isEmpty();
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public LinkingDataset read(Path dir) throws IOException {
    Path kb = dir.resolve(KB);
    JsonFiles.requireFile(kb, "KB file (" + expects() + ")");
    List<Path> mentionFiles = mentionFiles(dir);
    if (mentionFiles.isEmpty()) {
      throw new java.nio.file.NoSuchFileException(dir.toString(), null,
          "no mentions-SPLIT.jsonl files (" + expects() + ")");
    }
    String name = DatasetMetadata.readName(dir).orElse(null);
    DatasetAssembler dataset = new DatasetAssembler(new DatasetOrigin(dir, DatasetFormat.JSONL,
        name, name == null ? null : DatasetMetadata.FILE));
    KbJsonl.readNumbered(kb, (entity, line) -> dataset.entity(entity, kb.toString(), line),
        dataset.report()::malformed);
    for (Path file : mentionFiles) {
      readMentions(file, splitOf(file), dataset);
    }
    return dataset.build();
  }

  private static void readMentions(Path file, String split, DatasetAssembler dataset)
      throws IOException {
    dataset.split(split);
    Path baseDir = file.toAbsolutePath().getParent();
    try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      long number = 0;
      for (String text; (text = reader.readLine()) != null; ) {
        number++;
        try {
          LabelledMention mention = MentionJsonl.parseLine(text, baseDir);
          if (mention != null) {
            dataset.mention(split, mention);
          }
        } catch (RecordException e) {
          dataset.report().malformed(e.at(file.toString(), number));
        }
      }
    }
  }

  private static String splitOf(Path mentionFile) {
    Matcher m = MENTIONS.matcher(mentionFile.getFileName().toString());
    if (!m.matches()) {
      throw new IllegalArgumentException(mentionFile + " is not a mentions-SPLIT.jsonl file");
    }
    return m.group(1);
  }

  private static List<Path> mentionFiles(Path dir) throws IOException {
    try (Stream<Path> listing = Files.list(dir)) {
      return listing.filter(Files::isRegularFile)
          .filter(p -> MENTIONS.matcher(p.getFileName().toString()).matches()).sorted().toList();
    }
  }
}
