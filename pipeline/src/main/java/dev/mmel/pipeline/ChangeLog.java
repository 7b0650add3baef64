package dev.mmel.pipeline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmel.core.EntityRecord;
import dev.mmel.model.data.KbJsonl;
import dev.mmel.model.data.MalformedRecord;
import java.nio.file.Path;

/**
 * The refresh job's change log: JSONL, one change per line. An upsert is a KB JSONL record with
 * {@code "op": "upsert"} added; a delete is {@code {"op": "delete", "qid": "Q42"}}. Within the
 * log, a QID's changes apply in the order they are written.
 */
final class ChangeLog {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ChangeLog() {}

  /** A change, a malformed record, or neither (a blank line). */
  record Parsed(Change change, MalformedRecord malformed) {}

  static Parsed parseLine(String line, String source, long number, Path baseDir) {
    if (line.isBlank()) {
      return new Parsed(null, null);
    }
    JsonNode node;
    try {
      node = JSON.readTree(line);
    } catch (JsonProcessingException e) {
      return bad(source, number, "", "is not valid JSON (" + e.getOriginalMessage() + ")");
    }
    if (node == null || !node.isObject()) {
      return bad(source, number, "", "must be a JSON object");
    }
    String op = node.path("op").asText("");
    if (op.equals("delete")) {
      JsonNode qid = node.get("qid");
      if (node.size() != 2 || qid == null || !qid.isTextual() || qid.asText().isBlank()) {
        return bad(source, number, "qid", "a delete is exactly {\"op\": \"delete\", \"qid\": ...}");
      }
      return new Parsed(Change.delete(qid.asText()), null);
    }
    if (!op.equals("upsert")) {
      return bad(source, number, "op", "must be \"upsert\" or \"delete\"");
    }
    ObjectNode entity = ((ObjectNode) node).deepCopy();
    entity.remove("op");
    KbJsonl.Parsed parsed = KbJsonl.parseLine(entity.toString(), source, number, baseDir);
    if (parsed.malformed() != null) {
      return new Parsed(null, parsed.malformed());
    }
    var kb = parsed.entity();
    try {
      return new Parsed(Change.upsert(EntityToEncode.of(new EntityRecord(kb.qid(), kb.name(),
          kb.aliases(), kb.description(), kb.imagePath()))), null);
    } catch (IllegalArgumentException e) {
      return bad(source, number, "", e.getMessage());
    }
  }

  private static Parsed bad(String source, long number, String field, String problem) {
    return new Parsed(null, new MalformedRecord(source, number, field, problem));
  }
}
