package dev.mmel.model.image;

/**
 * An image that cannot be turned into a model input: empty, too large, of an unsupported format, or
 * corrupt. Checked, so that callers decide explicitly whether a bad image fails a request or is
 * treated as missing; the preprocessor itself never substitutes zeros for one.
 */
public final class InvalidImageException extends Exception {
  private static final long serialVersionUID = 1L;

  public InvalidImageException(String message) {
    super(message);
  }

  public InvalidImageException(String message, Throwable cause) {
    super(message, cause);
  }
}
