package dev.mmel.model.data;

import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A knowledge base and its labelled mention splits, as read by {@link DatasetReaders}: every
 * kept mention's answer is a KB entity, and the report says what was skipped or dropped.
 */
public final class LinkingDataset {
  private final String name;
  private final List<KbEntity> kb;
  private final Map<String, List<LabelledMention>> splits;
  private final DatasetReport report;

  /** {@code splits} in their order; fails if a QID repeats in the KB. */
  public LinkingDataset(String name, List<KbEntity> kb, Map<String, List<LabelledMention>> splits,
      DatasetReport report) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("dataset name must be non-empty");
    }
    Set<String> qids = new HashSet<>();
    for (KbEntity entity : kb) {
      if (!qids.add(entity.qid())) {
        throw new IllegalArgumentException("dataset " + name + ": KB QID " + entity.qid()
            + " appears more than once");
      }
    }
    this.name = name;
    this.kb = List.copyOf(kb);
    Map<String, List<LabelledMention>> copy = new LinkedHashMap<>();
    splits.forEach((split, mentions) -> copy.put(split, List.copyOf(mentions)));
    this.splits = Collections.unmodifiableMap(copy);
    this.report = report;
  }

  public String name() {
    return name;
  }

  /** In file order, unique QIDs. */
  public List<KbEntity> kb() {
    return kb;
  }

  public List<String> splitNames() {
    return List.copyOf(splits.keySet());
  }

  public List<LabelledMention> split(String splitName) {
    List<LabelledMention> mentions = splits.get(splitName);
    if (mentions == null) {
      throw new IllegalArgumentException("dataset " + name + " has no split '" + splitName
          + "'; available: " + String.join(", ", splits.keySet()));
    }
    return mentions;
  }

  public DatasetReport report() {
    return report;
  }
}
