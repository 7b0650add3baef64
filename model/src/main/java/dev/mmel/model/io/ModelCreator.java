package dev.mmel.model.io;

import dev.mmel.model.config.ModelConfig;
import dev.mmel.model.config.ModelConfigJson;
import dev.mmel.model.params.ParameterLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Creates model directories: random weights (`mmel model init`), then the export. */
public final class ModelCreator {
  private ModelCreator() {}

  /** @return the new model's version id */
  public static String initRandom(ModelConfig config, long seed, Path out) throws IOException {
    ModelDirectory directory = prepare(out, config);
    RandomWeights.write(ParameterLayout.of(config), seed, directory.weights());
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
    return directory;
  }
}
