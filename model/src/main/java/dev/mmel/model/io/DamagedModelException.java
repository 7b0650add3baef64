package dev.mmel.model.io;

import java.io.IOException;

/** A model directory whose files do not match what was exported. */
public final class DamagedModelException extends IOException {
  public DamagedModelException(String message) {
    super(message);
  }

  public DamagedModelException(String message, Throwable cause) {
    super(message, cause);
  }
}
