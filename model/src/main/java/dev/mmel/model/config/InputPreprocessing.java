package dev.mmel.model.config;

/**
 * How raw inputs become model inputs: images resized one way, texts normalised one way. Training,
 * indexing and serving all read it from the model config, so that they feed the model alike.
 *
 * @param image how images reach the vision tower's input size
 * @param text how texts are normalised before tokenization
 */
public record InputPreprocessing(ImagePreprocessing image, TextNormalization text) {

  /** The reference MMoE code's inputs: Pillow LANCZOS straight to size, HF fast tokenizer. */
  public static final InputPreprocessing REFERENCE =
      new InputPreprocessing(ImagePreprocessing.REFERENCE_LANCZOS, TextNormalization.HF_FAST);

  /**
   * What a config without the {@code preprocessing} keys means: the inputs mmel made before the
   * choice was recorded, so that a directory's version id keeps standing for what its index was
   * built with.
   */
  public static final InputPreprocessing UNRECORDED =
      new InputPreprocessing(ImagePreprocessing.DIRECT_BICUBIC, TextNormalization.OPENAI_FTFY);

  public InputPreprocessing {
    ConfigChecks.notNull(ImagePreprocessing.FIELD, image);
    ConfigChecks.notNull(TextNormalization.FIELD, text);
  }
}
