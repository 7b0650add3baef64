package dev.mmel.pipeline;

import java.util.Locale;

/**
 * The REST endpoint of a running Flink JobManager, given as {@code HOST:PORT} or as the URL
 * {@code infra/flink.sh start} prints ({@code http://HOST:PORT}).
 */
public record ClusterAddress(String host, int port) {
  private static final String EXPECTED = "must be HOST:PORT of the JobManager's REST endpoint, "
      + "e.g. 127.0.0.1:8081 (the URL infra/flink.sh start prints also works)";

  public ClusterAddress {
    if (host == null || host.isBlank() || host.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException("Flink cluster host '" + host + "' " + EXPECTED);
    }
    if (port < 1 || port > 65_535) {
      throw new IllegalArgumentException("Flink cluster port " + port + " is outside 1..65535");
    }
  }

  /** Parses {@code --flink-cluster}; the error names the option, the value and the format. */
  public static ClusterAddress parse(String option, String text) {
    String t = text == null ? "" : text.strip();
    String lower = t.toLowerCase(Locale.ROOT);
    if (lower.startsWith("http://")) {
      t = t.substring("http://".length());
    } else if (lower.contains("://")) {
      throw new IllegalArgumentException(option + " '" + text + "': only plain http REST "
          + "endpoints are supported; " + EXPECTED);
    }
    t = t.replaceAll("/+$", "");
    int colon = t.lastIndexOf(':');
    if (colon <= 0 || colon == t.length() - 1 || t.contains("/")) {
      throw new IllegalArgumentException(option + " '" + text + "' " + EXPECTED);
    }
    int port;
    try {
      port = Integer.parseInt(t.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + " '" + text + "': the port is not a number; "
          + EXPECTED, e);
    }
    try {
      return new ClusterAddress(t.substring(0, colon), port);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(option + " '" + text + "': " + e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return host + ":" + port;
  }
}
