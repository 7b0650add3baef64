package dev.mmel.core;

/** An item a model cannot take, with the field at fault named (e.g. "image"). */
public final class InvalidInputException extends Exception {
  private static final long serialVersionUID = 1L;

  private final String field;

  public InvalidInputException(String field, String message, Throwable cause) {
    super(field + ": " + message, cause);
    this.field = field;
  }

  public String field() {
    return field;
  }
}
