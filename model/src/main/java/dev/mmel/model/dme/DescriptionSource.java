package dev.mmel.model.dme;

/** Where the description appended to a mention came from. */
public enum DescriptionSource {
  /** The caller gave it with the mention; DME did not run. */
  CALLER,
  /** The embedded selector: the candidate most similar to the mention's sentence. */
  SIMILARITY,
  /** An LLM chose it among the candidates. */
  LLM,
  /** No candidate, or the selector abstained: the description is empty. */
  NONE
}
