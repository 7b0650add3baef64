package dev.mmel.model.config;

/** Validation shared by the config records, so every message names the field and the limit. */
final class ConfigChecks {
  private ConfigChecks() {}

  static void positive(String field, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(field + " must be > 0, got " + value);
    }
  }

  static void atMost(String field, int value, int limit) {
    if (value > limit) {
      throw new IllegalArgumentException(field + " must be <= " + limit + ", got " + value);
    }
  }

  static void divides(String field, int value, String divisorField, int divisor) {
    if (divisor > 0 && value % divisor != 0) {
      throw new IllegalArgumentException(
          field + " (" + value + ") must be a multiple of " + divisorField + " (" + divisor + ")");
    }
  }

  static void epsilon(String field, double value) {
    if (!(value > 0 && value < 1)) {
      throw new IllegalArgumentException(field + " must be in (0, 1), got " + value);
    }
  }

  static void notNull(String field, Object value) {
    if (value == null) {
      throw new IllegalArgumentException(field + " is required");
    }
  }
}
