package dev.mmel.model.train;

import dev.mmel.model.data.LabelledMention;
import dev.mmel.model.data.LinkingDataset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The mentions a run trains and validates on, checked before any work: a run without training
 * mentions or without validation mentions would train an epoch and then have nothing to rank
 * and no best weights to keep. The dev split is the dataset's own, or, when asked, a share of
 * the training samples held out by the run's seed; whole samples move, so mentions of one
 * sentence never sit on both sides.
 */
public final class TrainingSplits {
  public static final String TRAIN = "train";
  public static final String DEV = "dev";

  private final List<LabelledMention> train;
  private final List<LabelledMention> dev;
  private final Map<String, Object> devRecord;

  private TrainingSplits(List<LabelledMention> train, List<LabelledMention> dev,
      Map<String, Object> devRecord) {
    this.train = List.copyOf(train);
    this.dev = List.copyOf(dev);
    this.devRecord = Collections.unmodifiableMap(devRecord);
  }

  /**
   * The dataset's train and dev splits; {@code devFromTrain} 0 keeps its dev split, a share in
   * (0, 1) carves dev out of train instead (only for a dataset without dev mentions).
   */
  public static TrainingSplits of(LinkingDataset dataset, double devFromTrain, long seed) {
    List<LabelledMention> train = dataset.requireMentions(TRAIN, "training needs labelled "
        + "training mentions (JSONL: mentions-train.jsonl); check --data and --format");
    List<LabelledMention> dev = dataset.splitNames().contains(DEV) ? dataset.split(DEV)
        : List.of();
    if (devFromTrain == 0) {
      dataset.requireMentions(DEV, "validation would rank nothing and no best weights would be "
          + "saved: add dev mentions (JSONL: mentions-dev.jsonl), or pass --dev-from-train "
          + "SHARE (e.g. 0.1) to hold out that share of the training samples as dev, chosen by "
          + "--seed");
      Map<String, Object> record = new LinkedHashMap<>();
      record.put("source", "the dataset's dev split");
      record.put("mentions", dev.size());
      return checked(new TrainingSplits(train, dev, record));
    }
    if (!(devFromTrain > 0 && devFromTrain < 1)) {
      throw new IllegalArgumentException("--dev-from-train must be a share within (0, 1), e.g. "
          + "0.1, got " + devFromTrain);
    }
    if (!dev.isEmpty()) {
      throw new IllegalArgumentException("--dev-from-train carves a dev split for a dataset "
          + "without one, but dataset " + dataset.name() + " has " + dev.size() + " dev "
          + "mentions; drop --dev-from-train to validate on them");
    }
    return checked(carve(train, devFromTrain, seed));
  }

  private static TrainingSplits carve(List<LabelledMention> train, double share, long seed) {
    List<String> samples = new ArrayList<>(new LinkedHashSet<>(
        train.stream().map(LabelledMention::sampleId).toList()));
    int devSamples = (int) Math.max(1, Math.round(share * samples.size()));
    if (devSamples >= samples.size()) {
      throw new IllegalArgumentException(String.format(Locale.ROOT, "--dev-from-train %s of %d "
          + "training samples leaves none to train on; use a smaller share or add training "
          + "data", share, samples.size()));
    }
    Collections.shuffle(samples, new Random(seed));
    Set<String> held = new HashSet<>(samples.subList(0, devSamples));
    List<LabelledMention> kept = new ArrayList<>();
    List<LabelledMention> dev = new ArrayList<>();
    for (LabelledMention mention : train) {
      (held.contains(mention.sampleId()) ? dev : kept).add(mention);
    }
    Map<String, Object> record = new LinkedHashMap<>();
    record.put("source", "carved from train (--dev-from-train)");
    record.put("share", share);
    record.put("seed", seed);
    record.put("samples", devSamples);
    record.put("mentions", dev.size());
    record.put("sample_ids", dev.stream().map(LabelledMention::sampleId).distinct().toList());
    return new TrainingSplits(kept, dev, record);
  }

  private static TrainingSplits checked(TrainingSplits splits) {
    if (splits.train.size() < 2) {
      throw new IllegalArgumentException("training needs at least 2 mentions (in-batch "
          + "negatives), the train split has " + splits.train.size() + "; add training data");
    }
    return splits;
  }

  public List<LabelledMention> train() {
    return train;
  }

  public List<LabelledMention> dev() {
    return dev;
  }

  /** Where the dev split came from, for the run's record (carved: share, seed, sample ids). */
  public Map<String, Object> devRecord() {
    return devRecord;
  }
}
