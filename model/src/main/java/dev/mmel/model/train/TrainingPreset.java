package dev.mmel.model.train;

import dev.mmel.model.data.DatasetOrigin;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Spec 7's per-dataset values: the learning rate (WikiMEL 5e-6, others 1e-5) and the experts
 * kept per token k (WikiMEL 3, RichpediaMEL 4, WikiDiverse 2); NONE is spec 7's value for
 * "others" with k 2, for a dataset that is none of the three. Chosen explicitly or from the name
 * the dataset declares, never from its directory's name.
 */
public enum TrainingPreset {
  WIKIMEL(5e-6, 3),
  RICHPEDIAMEL(1e-5, 4),
  WIKIDIVERSE(1e-5, 2),
  NONE(1e-5, 2);

  private final double learningRate;
  private final int topK;

  TrainingPreset(double learningRate, int topK) {
    this.learningRate = learningRate;
    this.topK = topK;
  }

  /** As the command line spells it: wikimel, richpediamel, wikidiverse, none. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  public double learningRate() {
    return learningRate;
  }

  public int topK() {
    return topK;
  }

  /** Spec 7's schedule at this preset's learning rate. */
  public TrainSettings.Builder schedule() {
    return TrainSettings.builder().learningRate(learningRate);
  }

  /** The values a user can write, for messages. */
  public static String choices() {
    return Arrays.stream(values()).map(TrainingPreset::id).collect(Collectors.joining("|"));
  }

  public static TrainingPreset parse(String id) {
    for (TrainingPreset preset : values()) {
      if (preset.id().equals(id.toLowerCase(Locale.ROOT))) {
        return preset;
      }
    }
    throw new IllegalArgumentException("--preset must be one of " + choices() + ", got '" + id
        + "'");
  }

  /**
   * The preset of a dataset that declares one of the three names, in any case and spelling of
   * separators ("WikiMEL", "WIKIMEL", "Richpedia-MEL").
   */
  public static Optional<TrainingPreset> ofDatasetName(String name) {
    String key = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
    return Arrays.stream(values()).filter(p -> p != NONE && p.id().equals(key)).findFirst();
  }

  /**
   * {@code asked} when given, else the dataset's by its declared name; refuses when it cannot be
   * told, since a silent fallback trains a known dataset at the wrong rate.
   */
  public static TrainingPreset resolve(TrainingPreset asked, DatasetOrigin origin) {
    if (asked != null) {
      return asked;
    }
    String options = "pass --preset " + choices() + " (none: spec 7's lr 1e-5 for other "
        + "datasets, k 2)";
    String declared = origin.declaredName().orElseThrow(() -> new IllegalArgumentException(
        "cannot tell spec 7's training preset for the dataset at " + origin.location()
            + ": it declares no name (a JSONL dataset declares it in dataset.json, e.g. "
            + "{\"name\": \"WikiDiverse\"}, which `mmel data convert --name` writes); " + options));
    return ofDatasetName(declared).orElseThrow(() -> new IllegalArgumentException("dataset '"
        + declared + "' (named by " + origin.namedBy().orElseThrow() + ") is not WikiMEL, RichpediaMEL "
        + "or WikiDiverse, so spec 7 gives it no preset: " + options));
  }
}
