package dev.mmel.pipeline;

/** An entity whose image could not be read, so it was encoded without one. */
public record UnreadableImage(String qid, String path, String problem) {
  @Override
  public String toString() {
    return qid + " image " + path + ": " + problem;
  }
}
