package dev.mmel.model.runtime;

import dev.mmel.model.config.GateMode;
import dev.mmel.model.config.ModelConfig;
import dev.mmel.model.io.ModelDirectory;
import dev.mmel.model.io.ModelExporter;
import dev.mmel.model.params.GateSite;
import dev.mmel.model.params.ParameterLayout;
import dev.mmel.model.params.ParameterSpec;
import dev.mmel.model.runtime.MmoeModel;
import dev.mmel.model.runtime.SessionSettings;
import dev.mmel.model.weights.SafetensorsFile;
import dev.mmel.model.weights.SafetensorsWriter;
import dev.mmel.model.weights.TensorDType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Measures the frozen gate means of a faithful-gate model (spec 4): the mean over training
 * mention/gold-entity pairs of the masked router probabilities at each gate site, written into
 * the weights so that serving divides by a constant instead of its batch's mean. The model is
 * then re-exported, which gives it a new version id.
 */
public final class FrozenMeanCalibrator {
  private FrozenMeanCalibrator() {}

  /** Training pairs: row i of the mention arrays belongs with row i of the entity arrays. */
  public record Pairs(int[][] mentionIds, float[][] mentionPixels, int[][] entityIds,
      float[][] entityPixels) {
    public Pairs {
      if (mentionIds.length != entityIds.length || mentionPixels.length != mentionIds.length
          || entityPixels.length != entityIds.length) {
        throw new IllegalArgumentException("calibration pairs must have one entity per mention: "
            + mentionIds.length + " mentions, " + entityIds.length + " entities");
      }
      if (mentionIds.length == 0) {
        throw new IllegalArgumentException("calibration needs at least one pair");
      }
    }

    int size() {
      return mentionIds.length;
    }

    Pairs rows(int from, int to) {
      return new Pairs(Arrays.copyOfRange(mentionIds, from, to),
          Arrays.copyOfRange(mentionPixels, from, to), Arrays.copyOfRange(entityIds, from, to),
          Arrays.copyOfRange(entityPixels, from, to));
    }
  }

  /**
   * @param progress told (pairs done, pairs total) after each batch
   * @return the re-exported model's version id
   */
  public static String calibrate(Path modelDir, Pairs pairs, BiConsumer<Integer, Integer> progress)
      throws IOException {
    ModelDirectory directory = new ModelDirectory(modelDir);
    ModelConfig config = directory.readConfig();
    if (config.matcher().gateMode() != GateMode.FAITHFUL) {
      throw new IllegalArgumentException(modelDir + " uses the " + config.matcher().gateMode().id()
          + " gate; frozen means exist only for the faithful gate");
    }
    Map<GateSite, float[]> means = measure(modelDir, config, pairs, progress);
    rewriteWeights(directory, config, means);
    return ModelExporter.export(directory);
  }

  static Map<GateSite, float[]> measure(Path modelDir, ModelConfig config, Pairs pairs,
      BiConsumer<Integer, Integer> progress) throws IOException {
    int batch = config.matcher().frozenMeanBatch();
    Map<GateSite, double[]> sums = new EnumMap<>(GateSite.class);
    try (MmoeModel model = MmoeModel.load(modelDir, SessionSettings.defaults())) {
      for (int from = 0; from < pairs.size(); from += batch) {
        int to = Math.min(pairs.size(), from + batch);
        Pairs rows = pairs.rows(from, to);
        Map<GateSite, float[]> batchMeans = model.gateStatistics(rows.mentionIds(),
            rows.mentionPixels(), rows.entityIds(), rows.entityPixels());
        for (Map.Entry<GateSite, float[]> entry : batchMeans.entrySet()) {
          double[] sum = sums.computeIfAbsent(entry.getKey(), k -> new double[entry.getValue().length]);
          for (int i = 0; i < sum.length; i++) {
            sum[i] += entry.getValue()[i] * (double) (to - from);
          }
        }
        progress.accept(to, pairs.size());
      }
    }
    Map<GateSite, float[]> means = new EnumMap<>(GateSite.class);
    sums.forEach((site, sum) -> {
      float[] mean = new float[sum.length];
      for (int i = 0; i < sum.length; i++) {
        mean[i] = (float) (sum[i] / pairs.size());
      }
      means.put(site, mean);
    });
    return means;
  }

  private static void rewriteWeights(ModelDirectory directory, ModelConfig config,
      Map<GateSite, float[]> means) throws IOException {
    Map<String, float[]> replaced = new java.util.HashMap<>();
    means.forEach((site, mean) -> replaced.put(site.parameterName(), mean));
    try (SafetensorsFile weights = SafetensorsFile.open(directory.weights())) {
      SafetensorsWriter writer = new SafetensorsWriter();
      for (ParameterSpec spec : ParameterLayout.of(config).specs()) {
        float[] value = replaced.get(spec.name());
        writer.add(spec.name(), TensorDType.F32, spec.shape(),
            value != null ? sink -> sink.put(value) : sink -> sink.put(weights.readFloats(spec.name())));
      }
      writer.write(directory.weights());
    }
  }
}
