package dev.mmel.model.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;

/**
 * A JSONL dataset's {@code dataset.json}: {@code {"name": "WikiDiverse"}}, the name that picks
 * its training preset and names it in reports. Optional; when present it must be exactly this,
 * since a typo here would silently change the preset.
 */
final class DatasetMetadata {
  static final String FILE = "dataset.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  private DatasetMetadata() {}

  /** The declared name, or empty when the directory has no {@code dataset.json}. */
  static Optional<String> readName(Path dir) throws IOException {
    Path file = dir.resolve(FILE);
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    JsonNode root = JsonFiles.readObject(file, "dataset metadata");
    for (Iterator<String> keys = root.fieldNames(); keys.hasNext(); ) {
      String key = keys.next();
      if (!key.equals("name")) {
        throw new IOException(file + ": unknown key '" + key + "'; the only key is \"name\", "
            + "e.g. {\"name\": \"WikiDiverse\"}");
      }
    }
    JsonNode name = root.path("name");
    if (!name.isTextual() || name.asText().isBlank()) {
      throw new IOException(file + ": \"name\" must be a non-empty string, e.g. "
          + "{\"name\": \"WikiDiverse\"}");
    }
    return Optional.of(name.asText());
  }

  /** The file's one line for {@code name}. */
  static String line(String name) throws IOException {
    return JSON.writeValueAsString(Map.of("name", name));
  }
}
