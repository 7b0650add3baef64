package dev.mmel.serving.state;

import dev.mmel.model.io.ModelDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Where the server finds the model for an index: one model directory, or a folder of them (so
 * a new build written by a new model can be picked up without a restart: drop the model's
 * directory in, then publish the build).
 */
public final class ModelRepository {
  private final Path root;

  public ModelRepository(Path root) {
    this.root = root.toAbsolutePath();
  }

  public Path root() {
    return root;
  }

  /**
   * The model directory whose version is {@code version}.
   * @throws IllegalStateException naming the versions there are, when none matches
   */
  public Path directoryFor(String version) throws IOException {
    List<String> seen = new ArrayList<>();
    for (Path dir : candidates()) {
      String found = new ModelDirectory(dir).version();
      if (found.equals(version)) {
        return dir;
      }
      seen.add(found + " (" + dir + ")");
    }
    throw new IllegalStateException("no model with version " + version + " under " + root
        + (seen.isEmpty() ? " (no model directory there)" : "; found " + String.join(", ", seen))
        + ": give --model the directory of the model that built the index");
  }

  private List<Path> candidates() throws IOException {
    if (Files.isRegularFile(new ModelDirectory(root).manifest())) {
      return List.of(root);
    }
    if (!Files.isDirectory(root)) {
      throw new IllegalStateException(root + " is neither a model directory nor a folder of "
          + "them");
    }
    try (Stream<Path> children = Files.list(root)) {
      return children.filter(dir -> Files.isRegularFile(new ModelDirectory(dir).manifest()))
          .sorted().toList();
    }
  }
}
