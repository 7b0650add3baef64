package dev.mmel.serving.dme;

import java.util.Objects;

/**
 * An LLM endpoint's API key. Its {@link #toString()} never shows the key, and
 * {@link #redact(String)} scrubs it from text that came back from the network (an error body may
 * echo request headers) before that text reaches a log line or an exception message.
 */
public final class ApiKey {
  private static final String MASK = "[redacted]";

  private final String value;

  /** @param variable the environment variable it came from, named in errors instead of it */
  ApiKey(String variable, String value) {
    this.value = Objects.requireNonNull(value, "value");
    // Printable ASCII without spaces is what an Authorization header carries unchanged.
    if (!value.chars().allMatch(c -> c > ' ' && c < 0x7f)) {
      throw new IllegalArgumentException("the API key in " + variable + " must be printable "
          + "ASCII without spaces");
    }
  }

  String authorizationHeader() {
    return "Bearer " + value;
  }

  String redact(String text) {
    return text == null ? "" : text.replace(value, MASK);
  }

  @Override
  public String toString() {
    return "ApiKey" + MASK;
  }
}
