package dev.mmel.model.data;

/**
 * A record field that fails validation; the reader turns it into a {@link MalformedRecord} with
 * the file and position and moves on. No stack trace: it is an expected outcome, not a bug.
 */
final class RecordException extends RuntimeException {
  private final String field;

  RecordException(String field, String problem) {
    super(problem, null, false, false);
    this.field = field;
  }

  String field() {
    return field;
  }

  MalformedRecord at(String source, long line) {
    return new MalformedRecord(source, line, field, getMessage());
  }
}
