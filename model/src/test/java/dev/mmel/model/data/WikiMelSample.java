package dev.mmel.model.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small real dataset for end-to-end command tests: the first mentions of each shared WikiMEL
 * split, their gold entities and some other KB entities, written in mmel's JSONL layout.
 */
public final class WikiMelSample {
  private WikiMelSample() {}

  /** Writes the sample to {@code dir} and returns the dataset written. */
  public static LinkingDataset write(Path dir, int mentionsPerSplit, int otherEntities)
      throws IOException {
    LinkingDataset full = DatasetReaders.open(SharedData.file("wikimel"), DatasetFormat.AUTO);
    Map<String, KbEntity> byQid = new LinkedHashMap<>();
    full.kb().forEach(e -> byQid.put(e.qid(), e));
    Map<String, KbEntity> kb = new LinkedHashMap<>();
    Map<String, List<LabelledMention>> splits = new LinkedHashMap<>();
    for (String split : full.splitNames()) {
      List<LabelledMention> mentions = full.split(split);
      mentions = List.copyOf(mentions.subList(0, Math.min(mentionsPerSplit, mentions.size())));
      mentions.forEach(m -> kb.put(m.answerQid(), byQid.get(m.answerQid())));
      splits.put(split, mentions);
    }
    int added = 0;
    for (KbEntity entity : full.kb()) {
      if (added == otherEntities) {
        break;
      }
      if (kb.putIfAbsent(entity.qid(), entity) == null) {
        added++;
      }
    }
    LinkingDataset sample =
        new LinkingDataset(full.origin(), List.copyOf(kb.values()), splits, full.report());
    DatasetJsonlWriter.write(sample, dir);
    return sample;
  }
}
