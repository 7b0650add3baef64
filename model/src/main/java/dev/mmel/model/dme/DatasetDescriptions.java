package dev.mmel.model.dme;

import dev.mmel.core.ImageInput;
import dev.mmel.core.MentionInput;
import dev.mmel.core.ProgressListener;
import dev.mmel.model.data.LabelledMention;
import dev.mmel.model.data.LinkingDataset;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * DME over a labelled dataset (`mmel data dme`): every mention without a description gets the
 * one DME chooses, exactly as serving would choose it for the same mention; a description the
 * dataset already has (the reference release carries one) is kept. The report says, per split,
 * how many mentions got one and how often it is the gold entity's own (spec 3's caution).
 */
public final class DatasetDescriptions {
  private final DescriptionEnhancer enhancer;
  private final DescriptionCandidates candidates;

  public DatasetDescriptions(DescriptionCandidates candidates, DescriptionSelector selector) {
    this.candidates = candidates;
    this.enhancer = new DescriptionEnhancer(candidates, selector);
  }

  /** What DME did to one split. */
  public record SplitReport(int mentions, int kept, int described, int goldOwn,
      int goldInPool, int noCandidate) {

    public Map<String, Object> toJson() {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("mentions", mentions);
      json.put("description_kept_from_the_dataset", kept);
      json.put("description_chosen_by_dme", described);
      json.put("chosen_is_the_gold_entitys_own", goldOwn);
      json.put("gold_entity_in_the_candidate_pool", goldInPool);
      json.put("no_candidate", noCandidate);
      return json;
    }
  }

  /** The dataset with descriptions, and the report by split. */
  public record Result(LinkingDataset dataset, Map<String, SplitReport> report) {}

  public Result describe(LinkingDataset dataset, ProgressListener progress) {
    Map<String, List<LabelledMention>> splits = new LinkedHashMap<>();
    Map<String, SplitReport> report = new LinkedHashMap<>();
    for (String split : dataset.splitNames()) {
      ProgressListener splitProgress = progress.task("DME " + split);
      List<LabelledMention> mentions = dataset.split(split);
      List<LabelledMention> described = new ArrayList<>(mentions.size());
      int kept = 0;
      int chosen = 0;
      int goldOwn = 0;
      int goldInPool = 0;
      int noCandidate = 0;
      for (LabelledMention m : mentions) {
        List<DescriptionCandidate> pool =
            candidates.forSurface(m.mention(), DescriptionEnhancer.MAX_CANDIDATES);
        if (pool.stream().anyMatch(c -> c.qid().equals(m.answerQid()))) {
          goldInPool++;
        }
        if (!m.description().isEmpty()) {
          kept++;
          described.add(m);
        } else {
          // Offline there is no caller waiting: no deadline but the selector's own limits.
          Selection selection = enhancer.enhance(new MentionInput(m.mention(), m.sentence(),
              "", ImageInput.none()), Instant.now().plus(1, ChronoUnit.DAYS)).selection();
          if (selection.source() == DescriptionSource.NONE) {
            noCandidate += pool.isEmpty() ? 1 : 0;
          } else {
            chosen++;
            goldOwn += selection.qid().filter(m.answerQid()::equals).isPresent() ? 1 : 0;
          }
          described.add(new LabelledMention(m.sampleId(), m.mention(), m.sentence(),
              selection.description(), m.answerQid(), m.imagePath()));
        }
        splitProgress.count(described.size(), mentions.size(), "mentions");
      }
      splits.put(split, described);
      report.put(split, new SplitReport(mentions.size(), kept, chosen, goldOwn, goldInPool,
          noCandidate));
    }
    return new Result(dataset.withSplits(splits), report);
  }
}
