package dev.mmel.model.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.Set;

/**
 * mmel's labelled-mention lines (docs/DATASETS.md): {@code {"id": "46351", "mention": "Powers",
 * "sentence": "Powers with Noel Harrison in ...", "answer": "Q256474", "description": "...",
 * "image": "images/46351.jpg"}}. {@code id}, {@code mention} and {@code answer} are non-empty
 * strings, {@code sentence} a string; {@code description} and {@code image} (relative to the
 * file's directory unless absolute) are optional; other keys are rejected so typos surface.
 */
final class MentionJsonl {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> FIELDS =
      Set.of("id", "mention", "sentence", "answer", "description", "image");

  private MentionJsonl() {}

  /** The mention on a line, or null for a blank line; a bad line throws RecordException. */
  static LabelledMention parseLine(String line, Path baseDir) {
    if (line.isBlank()) {
      return null;
    }
    JsonNode record;
    try {
      record = JSON.readTree(line);
    } catch (JsonProcessingException e) {
      throw new RecordException("", "is not valid JSON (" + e.getOriginalMessage() + ")");
    }
    RecordFields.requireObject(record);
    RecordFields.onlyFields(record, FIELDS);
    String id = RecordFields.nonEmptyText(record, "id");
    String mention = RecordFields.nonEmptyText(record, "mention");
    String sentence = RecordFields.text(record, "sentence");
    String answer = RecordFields.nonEmptyText(record, "answer");
    String description = RecordFields.optionalText(record, "description");
    String image = RecordFields.optionalText(record, "image");
    return new LabelledMention(id, mention, sentence, description, answer,
        image.isBlank() ? null : baseDir.resolve(image));
  }

  /** One line for a mention; an image under {@code baseDir} is written relative to it. */
  static String toLine(LabelledMention mention, Path baseDir) {
    var node = JSON.createObjectNode();
    node.put("id", mention.sampleId());
    node.put("mention", mention.mention());
    node.put("sentence", mention.sentence());
    node.put("answer", mention.answerQid());
    if (!mention.description().isEmpty()) {
      node.put("description", mention.description());
    }
    if (mention.imagePath() != null) {
      Path image = mention.imagePath().toAbsolutePath().normalize();
      Path base = baseDir.toAbsolutePath().normalize();
      node.put("image", (image.startsWith(base) ? base.relativize(image) : image).toString());
    }
    try {
      return JSON.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
