package dev.mmel.model.data;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Whole-file JSON for the dataset readers. A file that is missing or not JSON at all is fatal (an
 * IOException naming it); records inside are handed out one by one, streamed, so a large KB file
 * never sits in memory as a tree.
 */
final class JsonFiles {
  private static final ObjectMapper JSON = new ObjectMapper();

  private JsonFiles() {}

  /** One element of a top-level array ({@code key} null) or one entry of a top-level object. */
  interface RecordVisitor {
    void visit(long position, String key, JsonNode value);
  }

  static void requireFile(Path file, String what) throws NoSuchFileException {
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(file.toString(), null, "missing " + what);
    }
  }

  static JsonNode readObject(Path file, String what) throws IOException {
    requireFile(file, what);
    JsonNode root;
    try {
      root = JSON.readTree(file.toFile());
    } catch (JsonProcessingException e) {
      throw notJson(file, e);
    }
    if (root == null || !root.isObject()) {
      throw new IOException(file + ": " + what + " must be a JSON object");
    }
    return root;
  }

  static void forEachElement(Path file, String what, RecordVisitor visitor) throws IOException {
    stream(file, what, JsonToken.START_ARRAY, "array", visitor);
  }

  static void forEachEntry(Path file, String what, RecordVisitor visitor) throws IOException {
    stream(file, what, JsonToken.START_OBJECT, "object", visitor);
  }

  private static void stream(Path file, String what, JsonToken start, String kind,
      RecordVisitor visitor) throws IOException {
    requireFile(file, what);
    try (JsonParser parser = JSON.createParser(file.toFile())) {
      if (parser.nextToken() != start) {
        throw new IOException(file + ": " + what + " must be a JSON " + kind);
      }
      long position = 0;
      JsonToken end = start == JsonToken.START_ARRAY ? JsonToken.END_ARRAY : JsonToken.END_OBJECT;
      for (JsonToken token; (token = parser.nextToken()) != end; ) {
        if (token == null) {
          throw new IOException(file + " ends inside the top-level " + kind + " (truncated?)");
        }
        String key = null;
        if (token == JsonToken.FIELD_NAME) {
          key = parser.currentName();
          parser.nextToken();
        }
        JsonNode value = parser.readValueAsTree();
        visitor.visit(++position, key, value);
      }
    } catch (JsonProcessingException e) {
      throw notJson(file, e);
    }
  }

  private static IOException notJson(Path file, JsonProcessingException e) {
    String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr();
    return new IOException(file + " is not valid JSON" + where + ": " + e.getOriginalMessage(),
        e);
  }
}
