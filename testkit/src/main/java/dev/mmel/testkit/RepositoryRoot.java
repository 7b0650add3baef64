package dev.mmel.testkit;

import java.nio.file.Files;
import java.nio.file.Path;

/** The checkout whose infra/ scripts start the real servers. */
public final class RepositoryRoot {
  private RepositoryRoot() {}

  /**
   * {@code mmel.repo.root} (the failsafe configurations set it) or {@code mmel.home} (the
   * launcher sets it) if it holds infra/, else the first directory above the working directory
   * that does.
   */
  public static Path find() {
    for (String property : new String[] {"mmel.repo.root", "mmel.home"}) {
      String configured = System.getProperty(property);
      if (configured != null && Files.isDirectory(Path.of(configured, "infra"))) {
        return Path.of(configured).toAbsolutePath();
      }
    }
    Path start = Path.of("").toAbsolutePath();
    for (Path dir = start; dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("infra/milvus.sh"))) {
        return dir;
      }
    }
    throw new IllegalStateException("infra/ not found above " + start + ": run inside the "
        + "repository or set -Dmmel.repo.root=DIR");
  }
}
