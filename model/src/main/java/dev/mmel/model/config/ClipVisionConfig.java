package dev.mmel.model.config;

/** Size of the CLIP vision transformer. Field names follow Hugging Face's CLIPVisionConfig. */
public record ClipVisionConfig(
    int imageSize,
    int patchSize,
    int width,
    int layers,
    int heads,
    int intermediateSize,
    Activation activation) {

  public ClipVisionConfig {
    ConfigChecks.positive("vision.image_size", imageSize);
    ConfigChecks.positive("vision.patch_size", patchSize);
    ConfigChecks.positive("vision.width", width);
    ConfigChecks.positive("vision.layers", layers);
    ConfigChecks.positive("vision.heads", heads);
    ConfigChecks.positive("vision.intermediate_size", intermediateSize);
    ConfigChecks.divides("vision.image_size", imageSize, "vision.patch_size", patchSize);
    ConfigChecks.divides("vision.width", width, "vision.heads", heads);
    ConfigChecks.notNull("vision.activation", activation);
  }

  /** Patches per side of the image grid. */
  public int gridSize() {
    return imageSize / patchSize;
  }

  /** Vision sequence length: CLS plus one position per patch. */
  public int positions() {
    return gridSize() * gridSize() + 1;
  }
}
