package dev.mmel.model.io;

import dev.mmel.model.bge.BgeResources;
import dev.mmel.model.config.ModelConfig;
import dev.mmel.model.config.TokenizerKind;
import dev.mmel.model.config.ModelConfigJson;
import dev.mmel.model.data.SharedData;
import dev.mmel.model.params.ParameterLayout;
import dev.mmel.model.params.ParameterSpec;
import dev.mmel.model.weights.SafetensorsWriter;
import dev.mmel.model.weights.TensorDType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

/**
 * Creates model directories: random weights (`mmel model init`), then the export. Imports
 * ({@link WeightImporter}) start from the same preparation: config and tokenizer vocabulary.
 */
public final class ModelCreator {
  private ModelCreator() {}

  /** @return the new model's version id */
  public static String initRandom(ModelConfig config, long seed, Path out) throws IOException {
    ModelDirectory directory = prepare(out, config);
    RandomWeights.write(ParameterLayout.of(config), seed, directory.weights());
    return ModelExporter.export(directory);
  }

  /**
   * A model directory holding {@code weights} (every parameter of the config's layout), exported.
   * @return the new model's version id
   */
  public static String fromWeights(ModelConfig config, Map<String, float[]> weights, Path out)
      throws IOException {
    ParameterLayout layout = ParameterLayout.of(config);
    List<String> missing = layout.specs().stream().map(ParameterSpec::name)
        .filter(name -> !weights.containsKey(name)).toList();
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException("weights for " + config.name() + " lack "
          + missing.size() + " parameters, e.g. " + missing.get(0));
    }
    ModelDirectory directory = prepare(out, config);
    SafetensorsWriter writer = new SafetensorsWriter();
    for (ParameterSpec spec : layout.specs()) {
      writer.add(spec.name(), TensorDType.F32, spec.shape(), weights.get(spec.name()));
    }
    writer.write(directory.weights());
    return ModelExporter.export(directory);
  }

  static ModelDirectory prepare(Path out, ModelConfig config) throws IOException {
    Files.createDirectories(out);
    ModelDirectory directory = new ModelDirectory(out);
    if (Files.exists(directory.manifest()) || Files.exists(directory.weights())) {
      throw new java.nio.file.FileAlreadyExistsException(out.toString(), null,
          "already holds a model; choose an empty --out directory");
    }
    Files.writeString(directory.config(), ModelConfigJson.toJson(config));
    writeVocabulary(directory, config.text().tokenizer());
    return directory;
  }

  /** CLIP's merges from the shared data; BERT's tokenizer.json from the bge-small jar. */
  private static void writeVocabulary(ModelDirectory directory, TokenizerKind kind)
      throws IOException {
    Path target = directory.vocab(kind);
    if (kind == TokenizerKind.CLIP_BPE) {
      Files.copy(SharedData.file(SharedData.CLIP_VOCAB), target,
          StandardCopyOption.REPLACE_EXISTING);
    } else {
      Files.write(target, BgeResources.read(BgeResources.FP32_TOKENIZER));
    }
  }
}
