package dev.mmel.model.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the shared data folder (WikiMEL, the Wikidata KB sample, the CLIP vocabulary) that sits
 * beside the repository as {@code ../shared/data}: the {@code mmel.shared.data} system property or
 * {@code MMEL_SHARED_DATA} variable if set, else the first {@code shared/data} found walking up
 * from the repository root ({@code mmel.home}, set by the launcher) or the working directory.
 */
public final class SharedData {
  public static final String CLIP_VOCAB = "clip/bpe_simple_vocab_16e6.txt.gz";

  private SharedData() {}

  public static Path root() {
    String configured = System.getProperty("mmel.shared.data", System.getenv("MMEL_SHARED_DATA"));
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured);
    }
    List<Path> starts = new ArrayList<>();
    String home = System.getProperty("mmel.home");
    if (home != null) {
      starts.add(Path.of(home));
    }
    starts.add(Path.of("").toAbsolutePath());
    for (Path start : starts) {
      for (Path dir = start.toAbsolutePath(); dir != null; dir = dir.getParent()) {
        Path candidate = dir.resolve("shared").resolve("data");
        if (Files.isDirectory(candidate)) {
          return candidate;
        }
      }
    }
    return Path.of("..", "shared", "data").toAbsolutePath().normalize();
  }

  /** A file under the shared data folder; fails with what to do if it is not there. */
  public static Path file(String relative) {
    Path path = root().resolve(relative);
    if (!Files.exists(path)) {
      throw new IllegalArgumentException(path + " not found: put the shared data folder beside "
          + "the repository (../shared/data) or point -Dmmel.shared.data / MMEL_SHARED_DATA at it");
    }
    return path;
  }
}
