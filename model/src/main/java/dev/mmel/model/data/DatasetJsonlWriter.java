package dev.mmel.model.data;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;

/**
 * Writes a dataset in mmel's JSONL layout ({@code kb.jsonl}, {@code mentions-SPLIT.jsonl}, and
 * {@code dataset.json} when the dataset declares a name, so it keeps its preset), so a
 * dataset read from any layout can be edited or extended as plain lines. Each file is written to
 * a temporary name and moved into place, so a failed write leaves no half file.
 */
public final class DatasetJsonlWriter {
  private DatasetJsonlWriter() {}

  public static void write(LinkingDataset dataset, Path dir) throws IOException {
    Files.createDirectories(dir);
    writeLines(dir.resolve(JsonlDatasetReader.KB),
        dataset.kb().stream().map(KbJsonl::toLine).toList());
    for (String split : dataset.splitNames()) {
      writeLines(dir.resolve(JsonlDatasetReader.mentionFile(split)), dataset.split(split).stream()
          .map(m -> MentionJsonl.toLine(m, dir)).toList());
    }
    Path metadata = dir.resolve(DatasetMetadata.FILE);
    Optional<String> name = dataset.origin().declaredName();
    if (name.isPresent()) {
      writeLines(metadata, List.of(DatasetMetadata.line(name.get())));
    } else {
      // A name left from an earlier write would give this dataset another's preset.
      Files.deleteIfExists(metadata);
    }
  }

  private static void writeLines(Path file, List<String> lines) throws IOException {
    Path temp = file.resolveSibling(file.getFileName() + ".tmp");
    try (BufferedWriter writer = Files.newBufferedWriter(temp, StandardCharsets.UTF_8)) {
      for (String line : lines) {
        writer.write(line);
        writer.newLine();
      }
    }
    Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
