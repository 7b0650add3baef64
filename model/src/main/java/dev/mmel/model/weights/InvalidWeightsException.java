package dev.mmel.model.weights;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A weights file is malformed: its bytes do not follow the format, as opposed to the file being unreadable.
 *
 * <p>Checked, and an {@link IOException}, for the same reason {@link java.util.zip.ZipException} is: a corrupt
 * file is an input problem the caller of {@code open} already has to handle, and code that only cares that
 * loading failed can keep catching {@code IOException}. The message starts with the file and then names the
 * exact problem (and the tensor, where one is to blame).
 */
public final class InvalidWeightsException extends IOException {

  private static final long serialVersionUID = 1L;

  private final transient Path file;

  public InvalidWeightsException(Path file, String problem) {
    super(Objects.requireNonNull(file, "file") + ": " + problem);
    this.file = file;
  }

  public InvalidWeightsException(Path file, String problem, Throwable cause) {
    super(Objects.requireNonNull(file, "file") + ": " + problem, cause);
    this.file = file;
  }

  /** The offending file. */
  public Path file() {
    return file;
  }
}
