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
  private final DatasetOrigin origin;
  private final List<KbEntity> kb;
  private final Map<String, List<LabelledMention>> splits;
  private final DatasetReport report;

  /** {@code splits} in their order; fails if a QID repeats in the KB. */
  public LinkingDataset(DatasetOrigin origin, List<KbEntity> kb,
      Map<String, List<LabelledMention>> splits, DatasetReport report) {
    String name = origin.name();
    Set<String> qids = new HashSet<>();
    for (KbEntity entity : kb) {
      if (!qids.add(entity.qid())) {
        throw new IllegalArgumentException("dataset " + name + ": KB QID " + entity.qid()
            + " appears more than once");
      }
    }
    this.origin = origin;
    this.kb = List.copyOf(kb);
    Map<String, List<LabelledMention>> copy = new LinkedHashMap<>();
    splits.forEach((split, mentions) -> copy.put(split, List.copyOf(mentions)));
    this.splits = Collections.unmodifiableMap(copy);
    this.report = report;
  }

  /** The name the dataset declares, else its directory's name (see {@link DatasetOrigin}). */
  public String name() {
    return origin.name();
  }

  public DatasetOrigin origin() {
    return origin;
  }

  /** The same KB and report over other splits (DME descriptions, a dev split carved out). */
  public LinkingDataset withSplits(Map<String, List<LabelledMention>> otherSplits) {
    return new LinkingDataset(origin, kb, otherSplits, report);
  }

  /** The same dataset declaring {@code newName}, e.g. before it is written as JSONL. */
  public LinkingDataset named(String newName, String by) {
    return new LinkingDataset(origin.named(newName, by), kb, splits, report);
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
      throw new IllegalArgumentException("dataset " + name() + " has no split '" + splitName
          + "'; available: " + String.join(", ", splits.keySet()));
    }
    return mentions;
  }

  /**
   * The mentions of a split that must have some; refuses a missing or empty split at once, with
   * what was kept per split and {@code remedy} (what the user can do), instead of letting a run
   * find out after hours of work.
   */
  public List<LabelledMention> requireMentions(String splitName, String remedy) {
    List<LabelledMention> mentions = splits.get(splitName);
    String kept = splits.isEmpty() ? "none" : String.join(", ", splits.entrySet().stream()
        .map(e -> e.getKey() + " " + e.getValue().size()).toList());
    if (mentions == null) {
      throw new IllegalArgumentException("dataset " + name() + " at " + origin.location()
          + " has no split '" + splitName + "' (mentions per split: " + kept + "); " + remedy);
    }
    if (mentions.isEmpty()) {
      throw new IllegalArgumentException("split '" + splitName + "' of dataset " + name()
          + " at " + origin.location() + " has no usable mentions (mentions per split: " + kept
          + "; `mmel data check` lists what was dropped); " + remedy);
    }
    return mentions;
  }

  public DatasetReport report() {
    return report;
  }
}
