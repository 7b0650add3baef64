package dev.mmel.model.io;

import dev.mmel.model.bge.BgeResources;
import dev.mmel.model.config.ModelConfig;
import dev.mmel.model.config.ModelConfigJson;
import dev.mmel.model.config.TokenizerKind;
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
 * ({@link WeightImporter}) start from the same preparation: config and tokenizer vocabulary,
 * copied in so the directory is all that a job or server needs.
 */
public final class ModelCreator {
  private ModelCreator() {}

  /** @return the new model's version id */
  /**
   * @param clipVocabulary the CLIP BPE merges (bpe_simple_vocab_16e6.txt.gz) copied into a CLIP
   *     model's directory; a BERT model's tokenizer.json ships in the bge-small jar (may be null)
   */
  public static String initRandom(ModelConfig config, long seed, Path clipVocabulary, Path out)
      throws IOException {
    ModelDirectory directory = prepare(out, config, clipVocabulary);
    RandomWeights.write(ParameterLayout.of(config), seed, directory.weights());
    return ModelExporter.export(directory);
  }

  /**
   * A model directory holding {@code weights} (every parameter of the config's layout), exported.
   * @return the new model's version id
   */
  public static String fromWeights(ModelConfig config, Map<String, float[]> weights,
      Path clipVocabulary, Path out) throws IOException {
    ParameterLayout layout = ParameterLayout.of(config);
    List<String> missing = layout.specs().stream().map(ParameterSpec::name)
        .filter(name -> !weights.containsKey(name)).toList();
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException("weights for " + config.name() + " lack "
          + missing.size() + " parameters, e.g. " + missing.get(0));
    }
    ModelDirectory directory = prepare(out, config, clipVocabulary);
    SafetensorsWriter writer = new SafetensorsWriter();
    for (ParameterSpec spec : layout.specs()) {
      writer.add(spec.name(), TensorDType.F32, spec.shape(), weights.get(spec.name()));
    }
    writer.write(directory.weights());
    return ModelExporter.export(directory);
  }

  static ModelDirectory prepare(Path out, ModelConfig config, Path clipVocabulary)
      throws IOException {
    Files.createDirectories(out);
    ModelDirectory directory = new ModelDirectory(out);
    if (Files.exists(directory.manifest()) || Files.exists(directory.weights())) {
      throw new java.nio.file.FileAlreadyExistsException(out.toString(), null,
          "already holds a model; choose an empty --out directory");
    }
    Files.writeString(directory.config(), ModelConfigJson.toJson(config));
    writeVocabulary(directory, config.text().tokenizer(), clipVocabulary);
    return directory;
  }

  /** CLIP's merges from the file the caller names; BERT's tokenizer.json from the bge-small jar. */
  private static void writeVocabulary(ModelDirectory directory, TokenizerKind kind,
      Path clipVocabulary) throws IOException {
    Path target = directory.vocab(kind);
    if (kind == TokenizerKind.CLIP_BPE) {
      if (clipVocabulary == null || !Files.isRegularFile(clipVocabulary)) {
        throw new java.nio.file.NoSuchFileException(String.valueOf(clipVocabulary), null,
            "a CLIP model directory needs the CLIP BPE vocabulary (bpe_simple_vocab_16e6.txt.gz)"
                + " copied into it; give its path");
      }
      Files.copy(clipVocabulary, target, StandardCopyOption.REPLACE_EXISTING);
    } else {
      Files.write(target, BgeResources.read(BgeResources.FP32_TOKENIZER));
    }
  }
}
