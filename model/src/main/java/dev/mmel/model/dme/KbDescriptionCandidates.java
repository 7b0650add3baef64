package dev.mmel.model.dme;

import dev.mmel.core.NameKeys;
import dev.mmel.model.data.KbEntity;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * DME's candidates from a knowledge base in memory (preparing data, evaluation): every entity
 * under the key of its name and of each alias, entities without a description left out, in KB
 * order. The entity index answers the same question at serving time.
 */
public final class KbDescriptionCandidates implements DescriptionCandidates {
  private final Map<String, List<DescriptionCandidate>> byKey = new HashMap<>();

  public KbDescriptionCandidates(List<KbEntity> kb) {
    for (KbEntity entity : kb) {
      if (entity.description().isBlank()) {
        continue;
      }
      DescriptionCandidate candidate =
          new DescriptionCandidate(entity.qid(), entity.name(), entity.description());
      Set<String> keys = new LinkedHashSet<>();
      keys.add(NameKeys.of(entity.name()));
      entity.aliases().forEach(alias -> keys.add(NameKeys.of(alias)));
      keys.remove("");
      for (String key : keys) {
        byKey.computeIfAbsent(key, k -> new ArrayList<>()).add(candidate);
      }
    }
  }

  @Override
  public List<DescriptionCandidate> forSurface(String surface, int limit) {
    List<DescriptionCandidate> found = byKey.getOrDefault(NameKeys.of(surface), List.of());
    return List.copyOf(found.subList(0, Math.min(limit, found.size())));
  }
}
