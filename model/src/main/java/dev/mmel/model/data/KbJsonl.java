package dev.mmel.model.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * mmel's own KB format: one JSON object per line,
 * {@code {"qid": "Q42", "name": "Douglas Adams", "aliases": ["Douglas Noel Adams"],
 * "description": "English writer", "image": "images/Q42.jpg"}}. {@code qid} and {@code name} are
 * required; {@code aliases}, {@code description} and {@code image} (a path, relative to the file's
 * directory unless absolute) are optional; other keys are rejected so typos surface. Blank lines
 * are skipped. Each line parses on its own, so a distributed reader can split the file.
 */
public final class KbJsonl {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> FIELDS = Set.of("qid", "name", "aliases", "description", "image");
  static final Pattern QID = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");

  private KbJsonl() {}

  /** The outcome of one line: an entity, a malformed record, or neither (a blank line). */
  public record Parsed(KbEntity entity, MalformedRecord malformed) {}

  public static Parsed parseLine(String line, String source, long lineNumber, Path baseDir) {
    if (line.isBlank()) {
      return new Parsed(null, null);
    }
    JsonNode node;
    try {
      node = JSON.readTree(line);
    } catch (JsonProcessingException e) {
      return bad(source, lineNumber, "", "is not valid JSON (" + e.getOriginalMessage() + ")");
    }
    if (node == null || !node.isObject()) {
      return bad(source, lineNumber, "", "must be a JSON object");
    }
    for (var it = node.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!FIELDS.contains(key)) {
        return bad(source, lineNumber, key, "is not a KB field (allowed: aliases, description, "
            + "image, name, qid)");
      }
    }
    JsonNode qid = node.get("qid");
    if (qid == null || !qid.isTextual() || !QID.matcher(qid.asText()).matches()) {
      return bad(source, lineNumber, "qid", "must be a string of 1-64 letters, digits or _.:- "
          + "(e.g. Q42)");
    }
    JsonNode name = node.get("name");
    if (name == null || !name.isTextual() || name.asText().isBlank()) {
      return bad(source, lineNumber, "name", "must be a non-empty string");
    }
    List<String> aliases = new ArrayList<>();
    JsonNode aliasNode = node.get("aliases");
    if (aliasNode != null && !aliasNode.isNull()) {
      if (!aliasNode.isArray()) {
        return bad(source, lineNumber, "aliases", "must be an array of strings");
      }
      for (JsonNode alias : aliasNode) {
        if (!alias.isTextual()) {
          return bad(source, lineNumber, "aliases", "must be an array of strings");
        }
        if (!alias.asText().isBlank()) {
          aliases.add(alias.asText());
        }
      }
    }
    String description = "";
    JsonNode descNode = node.get("description");
    if (descNode != null && !descNode.isNull()) {
      if (!descNode.isTextual()) {
        return bad(source, lineNumber, "description", "must be a string");
      }
      description = descNode.asText();
    }
    String image = null;
    JsonNode imageNode = node.get("image");
    if (imageNode != null && !imageNode.isNull()) {
      if (!imageNode.isTextual()) {
        return bad(source, lineNumber, "image", "must be a path string");
      }
      if (!imageNode.asText().isBlank()) {
        Path path = Path.of(imageNode.asText());
        image = (path.isAbsolute() || baseDir == null ? path : baseDir.resolve(path)).toString();
      }
    }
    return new Parsed(new KbEntity(qid.asText(), name.asText(), aliases, description, image),
        null);
  }

  /** Receives each entity with its line number. */
  public interface NumberedSink {
    void accept(KbEntity entity, long line);
  }

  /** Reads a whole file, line by line; malformed lines go to {@code errors}, never thrown. */
  public static void read(Path file, Consumer<KbEntity> entities, Consumer<MalformedRecord> errors)
      throws IOException {
    readNumbered(file, (entity, line) -> entities.accept(entity), errors);
  }

  /** As {@link #read}, with each entity's line number (for reports about valid lines). */
  public static void readNumbered(Path file, NumberedSink entities,
      Consumer<MalformedRecord> errors) throws IOException {
    Path baseDir = file.toAbsolutePath().getParent();
    try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      long number = 0;
      for (String line; (line = reader.readLine()) != null; ) {
        Parsed parsed = parseLine(line, file.toString(), ++number, baseDir);
        if (parsed.entity() != null) {
          entities.accept(parsed.entity(), number);
        } else if (parsed.malformed() != null) {
          errors.accept(parsed.malformed());
        }
      }
    }
  }

  /** One line of this format for an entity (the writer side, used to export KBs). */
  public static String toLine(KbEntity entity) {
    var node = JSON.createObjectNode();
    node.put("qid", entity.qid());
    node.put("name", entity.name());
    var aliases = node.putArray("aliases");
    entity.aliases().forEach(aliases::add);
    node.put("description", entity.description());
    if (entity.imagePath() != null) {
      node.put("image", entity.imagePath());
    }
    try {
      return JSON.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Parsed bad(String source, long line, String field, String problem) {
    return new Parsed(null, new MalformedRecord(source, line, field, problem));
  }
}
