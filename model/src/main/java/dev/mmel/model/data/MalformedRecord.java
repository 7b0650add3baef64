package dev.mmel.model.data;

/** A record a reader skipped: where it was and what was wrong, for the end-of-run report. */
public record MalformedRecord(String source, long line, String field, String problem) {
  @Override
  public String toString() {
    return source + ":" + line + ": " + (field.isEmpty() ? "" : "field '" + field + "' ")
        + problem;
  }
}
