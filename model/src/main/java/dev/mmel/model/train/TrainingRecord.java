package dev.mmel.model.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmel.model.data.DatasetOrigin;
import dev.mmel.model.graph.AdamW;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Everything a run was resolved to before it trained, kept as {@code "training"} in its
 * {@code run.json} beside what the regime wrote there: the dataset (by its declared name), the
 * preset and every setting it led to, and where the dev split came from. `mmel evaluate --run`
 * copies it into its report, so a number can be traced to how it was trained.
 */
public final class TrainingRecord {
  static final String KEY = "training";
  private static final String RUN_FILE = "run.json";
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final Map<String, Object> values;

  private TrainingRecord(Map<String, Object> values) {
    this.values = Collections.unmodifiableMap(values);
  }

  /**
   * The record of a run; {@code regimeSettings} are those the command resolved beyond the
   * schedule (k, gate, batch order, limits), by their option names without dashes.
   */
  public static TrainingRecord of(DatasetOrigin dataset, TrainingPreset preset,
      TrainSettings settings, TrainingSplits splits, Map<String, Object> regimeSettings) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("dataset", dataset.toJson());
    json.put("preset", preset.id());
    AdamW optimiser = settings.optimiser();
    json.put("lr", optimiser.learningRate());
    json.put("adamw", Map.of("beta1", optimiser.beta1(), "beta2", optimiser.beta2(),
        "epsilon", optimiser.epsilon(), "weight_decay", optimiser.weightDecay()));
    json.put("batch_size", settings.batchSize());
    json.put("epochs", settings.epochs());
    json.put("validate_every", settings.validateEvery());
    json.put("patience", settings.patience());
    json.put("seed", settings.seed());
    json.put("validation_limit", settings.validationLimit());
    json.put("calibration_batches", settings.calibrationBatches());
    json.put("kb_chunk", settings.kbChunk());
    json.putAll(regimeSettings);
    json.put("train_split_mentions", splits.train().size());
    json.put("dev_split", splits.devRecord());
    return new TrainingRecord(json);
  }

  public Map<String, Object> values() {
    return values;
  }

  /**
   * Refuses to resume a run that validated on another dev split: its best validation MRR would
   * compare numbers over different mentions, and carved samples could now be training ones.
   */
  public void checkResumes(Path runDir) throws IOException {
    Optional<JsonNode> previous = read(runDir);
    if (previous.isEmpty() || !previous.get().has("dev_split")) {
      return;
    }
    JsonNode before = previous.get().get("dev_split");
    // Through text, so numbers compare as read back from a file (a long seed reads as an int).
    JsonNode now = JSON.readTree(JSON.writeValueAsString(values.get("dev_split")));
    if (!before.equals(now)) {
      throw new IllegalArgumentException(runDir + " validated on another dev split ("
          + describe(before) + "; now " + describe(now) + "): resume with the same "
          + "--dev-from-train and --seed, or start a new --run");
    }
  }

  private static String describe(JsonNode devSplit) {
    String text = devSplit.path("source").asText() + ", " + devSplit.path("mentions").asInt()
        + " mentions";
    return devSplit.has("share") ? text + ", share " + devSplit.path("share").asDouble()
        + ", seed " + devSplit.path("seed").asLong() : text;
  }

  /** Adds this record to the run.json the regime wrote, replacing an earlier record. */
  public void addTo(Path runDir) throws IOException {
    Path file = runDir.resolve(RUN_FILE);
    if (!Files.isRegularFile(file)) {
      throw new IllegalStateException(file + " must be written (by the regime) before the "
          + "training record is added to it");
    }
    ObjectNode run = (ObjectNode) JSON.readTree(file.toFile());
    run.set(KEY, JSON.valueToTree(values));
    Path temporary = runDir.resolve(RUN_FILE + ".tmp");
    JSON.writeValue(temporary.toFile(), run);
    Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
  }

  /** A run's record, empty for runs trained before runs recorded one. */
  public static Optional<JsonNode> read(Path runDir) throws IOException {
    Path file = runDir.resolve(RUN_FILE);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    JsonNode record = JSON.readTree(file.toFile()).get(KEY);
    return Optional.ofNullable(record);
  }
}
