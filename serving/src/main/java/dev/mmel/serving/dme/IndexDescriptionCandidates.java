package dev.mmel.serving.dme;

import dev.mmel.core.EntityRecord;
import dev.mmel.model.dme.DescriptionCandidate;
import dev.mmel.model.dme.DescriptionCandidates;
import dev.mmel.model.dme.SurfaceMatch;
import dev.mmel.retriever.EntityIndex;
import java.util.Comparator;
import java.util.List;

/**
 * DME's candidates at serving time: the index's name and alias look-up, then (matching
 * {@link SurfaceMatch#PARTIAL}) its name part look-up. Candidates are taken in QID order, as
 * {@link dev.mmel.model.dme.KbDescriptionCandidates} takes them, so that a surface naming more
 * entities than DME looks at gets the same ones served as in training, up to
 * {@link #LOOKED_UP} matches.
 */
public final class IndexDescriptionCandidates implements DescriptionCandidates {
  /** Matches read from the index per look-up, before the first {@code limit} by QID. */
  static final int LOOKED_UP = 256;

  private final EntityIndex index;
  private final SurfaceMatch match;

  public IndexDescriptionCandidates(EntityIndex index, SurfaceMatch match) {
    this.index = index;
    this.match = match;
  }

  @Override
  public List<DescriptionCandidate> forSurface(String surface, int limit) {
    List<DescriptionCandidate> found =
        described(index.lookupByName(surface, Math.max(limit, LOOKED_UP)), limit);
    if (found.isEmpty() && match == SurfaceMatch.PARTIAL) {
      found = described(index.lookupByNamePart(surface, Math.max(limit, LOOKED_UP)), limit);
    }
    return found;
  }

  private static List<DescriptionCandidate> described(List<EntityRecord> records, int limit) {
    return records.stream().filter(record -> !record.description().isBlank())
        .sorted(Comparator.comparing(EntityRecord::qid)).limit(limit)
        .map(r -> new DescriptionCandidate(r.qid(), r.name(), r.description())).toList();
  }
}
