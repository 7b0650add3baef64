package dev.mmel.model.io;

import dev.mmel.model.config.ModelConfig;
import dev.mmel.model.config.ModelConfigJson;

/**
 * The model version id: a digest of the config and the weights, so two exports of the same
 * weights agree and any change to either gives a new id. The index records it; serving refuses
 * an index written by another version.
 */
public final class ModelVersion {
  private ModelVersion() {}

  public static String of(ModelConfig config, String weightsSha256) {
    String digest = Sha256.of(ModelConfigJson.toJson(config) + "\n" + weightsSha256);
    return "mmoe-" + digest.substring(0, 16);
  }
}
