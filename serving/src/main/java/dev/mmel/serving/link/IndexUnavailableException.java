package dev.mmel.serving.link;

/** The entity index failed a call (a store server down or timing out); retrying may help. */
public final class IndexUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public IndexUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
