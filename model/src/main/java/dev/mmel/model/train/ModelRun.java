package dev.mmel.model.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.mmel.model.config.ModelConfig;
import dev.mmel.model.io.Checkpoint;
import dev.mmel.model.io.ModelCreator;
import dev.mmel.model.io.ModelDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A run that starts from a model directory: CLIP and matcher trained end to end, or a text-only
 * model's matcher trained over its frozen tower's cached features. {@code run.json} records the
 * regime and the starting model; the best weights are exported as a model directory of their own, {@code RUN/model} (config, weights, SavedModel, manifest), which serving, the
 * index jobs and `mmel evaluate --model` load like any other.
 */
public final class ModelRun {
  public static final String END_TO_END = "end_to_end";
  public static final String FROZEN_TOWER = "frozen_tower";
  private static final String MODEL = "model";
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private ModelRun() {}

  public static void write(Path runDir, String regime, Path startModel, ModelConfig config)
      throws IOException {
    Files.createDirectories(runDir);
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("regime", regime);
    json.put("start_model", startModel.toAbsolutePath().toString());
    json.put("config", config.name());
    JSON.writeValue(runDir.resolve("run.json").toFile(), json);
  }

  public static Path modelDirectory(Path runDir) {
    return runDir.resolve(MODEL);
  }

  /**
   * Writes the run's best weights over the starting model's (which fill what training does not
   * own, such as the gate statistics of a per-token model) as {@code RUN/model}, replacing an
   * earlier export; {@code vocabulary} is the starting model's tokenizer vocabulary.
   * @return the exported model's version id
   */
  public static String export(Path runDir, ModelConfig config, Map<String, float[]> start,
      Path vocabulary) throws IOException {
    Map<String, float[]> weights = new LinkedHashMap<>(start);
    weights.putAll(Checkpoint.read(runDir.resolve("best/weights.safetensors")));
    Path out = modelDirectory(runDir);
    Path staging = runDir.resolve(MODEL + ".tmp");
    deleteTree(staging);
    String version = ModelCreator.fromWeights(config, weights, vocabulary, staging);
    deleteTree(out);
    Files.move(staging, out, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    new ModelDirectory(out).verify();
    return version;
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }
}
