package dev.mmel.model.config;

/** Size of the CLIP text transformer. Field names follow Hugging Face's CLIPTextConfig. */
public record ClipTextConfig(
    int vocabSize,
    int width,
    int layers,
    int heads,
    int intermediateSize,
    int maxPositions,
    Activation activation) implements TextTowerConfig {

  public ClipTextConfig {
    ConfigChecks.positive("text.vocab_size", vocabSize);
    ConfigChecks.positive("text.width", width);
    ConfigChecks.positive("text.layers", layers);
    ConfigChecks.positive("text.heads", heads);
    ConfigChecks.positive("text.intermediate_size", intermediateSize);
    ConfigChecks.positive("text.max_positions", maxPositions);
    ConfigChecks.divides("text.width", width, "text.heads", heads);
    ConfigChecks.notNull("text.activation", activation);
  }

  @Override
  public TextTowerKind kind() {
    return TextTowerKind.CLIP;
  }
}
