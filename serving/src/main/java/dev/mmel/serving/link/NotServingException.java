package dev.mmel.serving.link;

/** The server holds no model and index it may serve (starting, or they disagree); says why. */
public final class NotServingException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public NotServingException(String reason) {
    super(reason);
  }
}
