package dev.mmel.model.data;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** Typed access to the fields of one JSON record; each failure names the field and the rule. */
final class RecordFields {
  private RecordFields() {}

  static void requireObject(JsonNode record) {
    if (record == null || !record.isObject()) {
      throw new RecordException("", "must be a JSON object");
    }
  }

  /** Rejects keys outside {@code allowed}, so a typo surfaces instead of a silent default. */
  static void onlyFields(JsonNode record, Set<String> allowed) {
    for (var it = record.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!allowed.contains(key)) {
        throw new RecordException(key, "is not a known field (allowed: "
            + String.join(", ", new TreeSet<>(allowed)) + ")");
      }
    }
  }

  static String nonEmptyText(JsonNode record, String field) {
    JsonNode value = record.get(field);
    if (value == null || !value.isTextual() || value.asText().isBlank()) {
      throw new RecordException(field, "must be a non-empty string");
    }
    return value.asText();
  }

  static String text(JsonNode record, String field) {
    JsonNode value = record.get(field);
    if (value == null || !value.isTextual()) {
      throw new RecordException(field, "must be a string");
    }
    return value.asText();
  }

  /** The string value, or "" when the field is absent or null. */
  static String optionalText(JsonNode record, String field) {
    JsonNode value = record.get(field);
    if (value == null || value.isNull()) {
      return "";
    }
    if (!value.isTextual()) {
      throw new RecordException(field, "must be a string");
    }
    return value.asText();
  }

  /** The strings of an array field; empty when absent or null. */
  static List<String> stringArray(JsonNode record, String field) {
    JsonNode value = record.get(field);
    List<String> strings = new ArrayList<>();
    if (value == null || value.isNull()) {
      return strings;
    }
    if (!value.isArray()) {
      throw new RecordException(field, "must be an array of strings");
    }
    for (JsonNode element : value) {
      if (!element.isTextual()) {
        throw new RecordException(field, "must be an array of strings");
      }
      strings.add(element.asText());
    }
    return strings;
  }

  /** A non-negative integer, given as a JSON number or a string of digits. */
  static long id(JsonNode record, String field) {
    JsonNode value = record.get(field);
    if (value != null && value.canConvertToExactIntegral() && value.asLong() >= 0) {
      return value.asLong();
    }
    if (value != null && value.isTextual() && value.asText().matches("[0-9]{1,18}")) {
      return Long.parseLong(value.asText());
    }
    throw new RecordException(field, "must be a non-negative integer id");
  }

  /**
   * Percent-decodes like Python's {@code urllib.parse.unquote}, which wrote the reference files:
   * a literal '+' stays a '+' rather than becoming a space.
   */
  static String urlDecoded(String value, String field) {
    try {
      return URLDecoder.decode(value.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new RecordException(field, "has an invalid %-escape in '" + value + "'");
    }
  }
}
