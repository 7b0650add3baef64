package dev.mmel.model.dme;

import java.util.Optional;

/**
 * The description appended to a mention, who chose it, and the entity it describes (absent
 * when the caller gave it or none was chosen).
 */
public record Selection(String description, DescriptionSource source, Optional<String> qid) {
  public Selection {
    description = description == null ? "" : description;
    if (description.isEmpty() != (source == DescriptionSource.NONE)) {
      throw new IllegalArgumentException("a selection has a description exactly when its source "
          + "is not NONE; got '" + description + "' from " + source);
    }
  }

  public static Selection none() {
    return new Selection("", DescriptionSource.NONE, Optional.empty());
  }

  public static Selection of(DescriptionCandidate candidate, DescriptionSource source) {
    return new Selection(candidate.description(), source, Optional.of(candidate.qid()));
  }

  public static Selection byCaller(String description) {
    return new Selection(description, DescriptionSource.CALLER, Optional.empty());
  }

  /** The caller's description when it gave one, else none. */
  public static Selection byCallerOrNone(String description) {
    return description == null || description.isEmpty() ? none() : byCaller(description);
  }
}
