package dev.mmel.model.dme;

import java.util.List;

/**
 * Where DME finds its candidates: the KB entities whose normalised name or alias
 * ({@link dev.mmel.core.NameKeys}) equals the mention surface's, or that it names by part, as
 * the {@link SurfaceMatch} says. Preparing data reads them from the KB
 * ({@link KbDescriptionCandidates}); serving from the entity index's name look-ups.
 */
public interface DescriptionCandidates {

  /** At most {@code limit} candidates, each with a non-empty description; none for no match. */
  List<DescriptionCandidate> forSurface(String surface, int limit);
}
