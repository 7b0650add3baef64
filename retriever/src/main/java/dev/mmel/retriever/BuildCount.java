package dev.mmel.retriever;

/** How many entities a build holds: what a publish compares. */
public record BuildCount(String buildId, long entities) {

  public BuildCount {
    if (buildId == null || buildId.isBlank()) {
      throw new IllegalArgumentException("build id must be set");
    }
    if (entities < 0) {
      throw new IllegalArgumentException("entities of build '" + buildId + "' must be >= 0, got "
          + entities);
    }
  }
}
