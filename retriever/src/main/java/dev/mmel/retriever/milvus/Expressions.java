package dev.mmel.retriever.milvus;

import dev.mmel.retriever.EntityFilter;
import java.util.Collection;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Milvus boolean expressions over the entity fields. Every value goes in as a double-quoted
 * string literal with backslash, quote and control characters escaped, so a QID or name can never
 * change the expression's meaning.
 */
final class Expressions {
  private Expressions() {}

  static String literal(String value) {
    StringBuilder out = new StringBuilder(value.length() + 2).append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20 || c == 0x7f) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.append('"').toString();
  }

  static String qidIn(Collection<String> qids) {
    return EntityFields.QID + " in " + list(qids);
  }

  /** The filter evaluated inside the ANN search; empty when it allows everything. */
  static Optional<String> of(EntityFilter filter) {
    String only = filter.onlyQids() == null ? null : qidIn(filter.onlyQids());
    String excluded = filter.excludedQids().isEmpty() ? null
        : EntityFields.QID + " not in " + list(filter.excludedQids());
    if (only != null && excluded != null) {
      return Optional.of("(" + only + ") and (" + excluded + ")");
    }
    return Optional.ofNullable(only != null ? only : excluded);
  }

  static String nameOrAliasKey(String key) {
    String value = literal(key);
    return EntityFields.NAME_KEY + " == " + value + " or array_contains(" + EntityFields.ALIAS_KEYS
        + ", " + value + ")";
  }

  static String namePart(String key) {
    return "array_contains(" + EntityFields.NAME_PARTS + ", " + literal(key) + ")";
  }

  private static String list(Collection<String> values) {
    return values.stream().map(Expressions::literal).collect(Collectors.joining(", ", "[", "]"));
  }
}
