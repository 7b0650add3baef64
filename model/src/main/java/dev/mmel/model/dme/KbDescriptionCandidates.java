package dev.mmel.model.dme;

import dev.mmel.core.NameKeys;
import dev.mmel.model.data.KbEntity;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * DME's candidates from a knowledge base in memory (preparing data, evaluation): every entity
 * under the key of its name and of each alias (and, matching {@link SurfaceMatch#PARTIAL}, of
 * their parts), entities without a description left out, in QID order. The entity index
 * answers the same question at serving time.
 */
public final class KbDescriptionCandidates implements DescriptionCandidates {
  private final SurfaceMatch match;
  private final Map<String, List<DescriptionCandidate>> byKey = new HashMap<>();
  private final Map<String, List<DescriptionCandidate>> byPart = new HashMap<>();

  public KbDescriptionCandidates(List<KbEntity> kb, SurfaceMatch match) {
    this.match = match;
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
      keys.forEach(key -> byKey.computeIfAbsent(key, k -> new ArrayList<>()).add(candidate));
      if (match == SurfaceMatch.PARTIAL) {
        NameKeys.partsOf(entity.name(), entity.aliases())
            .forEach(part -> byPart.computeIfAbsent(part, k -> new ArrayList<>()).add(candidate));
      }
    }
  }

  @Override
  public List<DescriptionCandidate> forSurface(String surface, int limit) {
    String key = NameKeys.of(surface);
    List<DescriptionCandidate> found = byKey.getOrDefault(key, List.of());
    if (found.isEmpty() && match == SurfaceMatch.PARTIAL) {
      found = byPart.getOrDefault(key, List.of());
    }
    return found.stream().sorted(Comparator.comparing(DescriptionCandidate::qid)).limit(limit)
        .toList();
  }
}
