package dev.mmel.pipeline;

import dev.mmel.retriever.EntityIndexStore;
import dev.mmel.retriever.embedded.EmbeddedEntityIndexStore;
import java.nio.file.Path;

/** The on-disk index under a directory: the newcomer's default, one writer per build. */
public record EmbeddedTarget(String directory) implements IndexTarget {
  private static final long serialVersionUID = 1L;

  public EmbeddedTarget {
    if (directory == null || directory.isBlank()) {
      throw new IllegalArgumentException("index directory is required");
    }
  }

  @Override
  public EntityIndexStore open() {
    return new EmbeddedEntityIndexStore(Path.of(directory));
  }

  @Override
  public String describe() {
    return "embedded index at " + directory;
  }

  @Override
  public int maxWriters() {
    return 1;
  }
}
