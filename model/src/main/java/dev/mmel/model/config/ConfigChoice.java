package dev.mmel.model.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** A config value chosen from a fixed set, written as its snake_case id. */
interface ConfigChoice {
  String id();

  /**
   * The value whose id is {@code text} (case and '-' for '_' forgiven, as for the gate mode).
   *
   * @throws IllegalArgumentException naming {@code field} and the allowed ids
   */
  static <E extends Enum<E> & ConfigChoice> E parse(String field, String text, E[] values) {
    String wanted = text.trim().toLowerCase(Locale.ROOT).replace('-', '_');
    for (E value : values) {
      if (value.id().equals(wanted)) {
        return value;
      }
    }
    throw new IllegalArgumentException(field + " must be one of "
        + Arrays.stream(values).map(ConfigChoice::id).collect(Collectors.joining(", "))
        + "; got '" + text + "'");
  }
}
