package dev.mmel.serving.dme;

import dev.mmel.core.EntityRecord;
import dev.mmel.model.dme.DescriptionCandidate;
import dev.mmel.model.dme.DescriptionCandidates;
import dev.mmel.retriever.EntityIndex;
import java.util.ArrayList;
import java.util.List;

/** DME's candidates at serving time: the index's name and alias look-up. */
public final class IndexDescriptionCandidates implements DescriptionCandidates {
  private final EntityIndex index;

  public IndexDescriptionCandidates(EntityIndex index) {
    this.index = index;
  }

  @Override
  public List<DescriptionCandidate> forSurface(String surface, int limit) {
    List<DescriptionCandidate> found = new ArrayList<>();
    for (EntityRecord record : index.lookupByName(surface, limit)) {
      if (!record.description().isBlank()) {
        found.add(new DescriptionCandidate(record.qid(), record.name(), record.description()));
      }
    }
    return found;
  }
}
