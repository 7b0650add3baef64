package dev.mmel.model.dme;

import dev.mmel.core.MentionInput;
import java.time.Instant;
import java.util.List;

/**
 * Picks, among a mention's candidates, the description that fits the mention's sentence (spec
 * 3). Implementations: the embedded similarity selector (the default) and, in serving, an LLM
 * selector that falls back to it. Safe to call from many threads.
 */
public interface DescriptionSelector {

  /**
   * @param candidates at least one
   * @param deadline when the answer is due; a selector that cannot finish by then abstains or
   *     falls back rather than be late
   */
  Selection select(MentionInput mention, List<DescriptionCandidate> candidates, Instant deadline);
}
