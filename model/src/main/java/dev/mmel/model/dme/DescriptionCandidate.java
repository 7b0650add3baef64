package dev.mmel.model.dme;

/**
 * A knowledge-base entity whose name or an alias matches a mention's surface form, with the
 * description DME may append to the mention (spec 3).
 */
public record DescriptionCandidate(String qid, String name, String description) {
  public DescriptionCandidate {
    if (qid == null || qid.isBlank()) {
      throw new IllegalArgumentException("candidate qid must not be empty");
    }
    name = name == null ? "" : name;
    description = description == null ? "" : description;
  }
}
