package dev.mmel.model.dme;

import dev.mmel.core.MentionInput;
import java.time.Instant;
import java.util.List;
import java.util.function.Predicate;

/**
 * DME (spec 3): a mention without a description gets the one its selector picks among the KB
 * entities its surface names; one the caller described is left alone. The same component
 * prepares training data, evaluation and serving, so all three see the same mention text.
 */
public final class DescriptionEnhancer {
  /** Candidates looked at per mention: a surface shared by more entities is rare (217 of 14,515 Wikidata labels). */
  public static final int MAX_CANDIDATES = 32;

  private final DescriptionCandidates candidates;
  private final DescriptionSelector selector;

  public DescriptionEnhancer(DescriptionCandidates candidates, DescriptionSelector selector) {
    this.candidates = candidates;
    this.selector = selector;
  }

  /** The mention with its description, and where the description came from. */
  public record Enhanced(MentionInput mention, Selection selection) {}

  public Enhanced enhance(MentionInput mention, Instant deadline) {
    return enhance(mention, deadline, qid -> true);
  }

  /**
   * As {@link #enhance(MentionInput, Instant)}, among the entities {@code allowed} keeps only: a
   * call that excludes entities from its search excludes them from DME too, as if the KB lacked
   * them.
   */
  public Enhanced enhance(MentionInput mention, Instant deadline, Predicate<String> allowed) {
    if (!mention.description().isEmpty()) {
      return new Enhanced(mention, Selection.byCaller(mention.description()));
    }
    List<DescriptionCandidate> found = candidates.forSurface(mention.mention(), MAX_CANDIDATES)
        .stream().filter(candidate -> allowed.test(candidate.qid())).toList();
    Selection selection = found.isEmpty() ? Selection.none()
        : selector.select(mention, found, deadline);
    return new Enhanced(mention.withDescription(selection.description()), selection);
  }
}
