package dev.mmel.serving.link;

/** The server has more work queued than it accepts: the caller should retry later. */
public final class OverloadedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public OverloadedException(String message) {
    super(message);
  }
}
