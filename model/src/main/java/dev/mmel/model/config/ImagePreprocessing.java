package dev.mmel.model.config;

/**
 * How an image is brought to the vision tower's square input before it is scaled to [0, 1] and
 * normalised. The model must see at serving time what it saw in training, so the choice is part
 * of the model config.
 */
public enum ImagePreprocessing implements ConfigChoice {
  /**
   * The reference MMoE data loader's way: the whole image straight to size x size with Pillow's
   * LANCZOS filter, aspect ratio not kept, nothing cropped.
   */
  REFERENCE_LANCZOS("reference_lanczos"),
  /**
   * Hugging Face's CLIPImageProcessor: the shorter side to size with Pillow's BICUBIC filter
   * (aspect ratio kept), then the centre size x size crop. For plain CLIP checkpoints.
   */
  CLIP_BICUBIC_CROP("clip_bicubic_crop"),
  /**
   * The whole image straight to size x size with Pillow's BICUBIC filter: what mmel did before
   * the choice was recorded, kept so that older model directories keep their meaning.
   */
  DIRECT_BICUBIC("direct_bicubic");

  /** The config field that holds this choice. */
  public static final String FIELD = "preprocessing.image";

  private final String id;

  ImagePreprocessing(String id) {
    this.id = id;
  }

  @Override
  public String id() {
    return id;
  }

  /** @throws IllegalArgumentException naming {@link #FIELD} and the allowed values */
  public static ImagePreprocessing parse(String text) {
    return ConfigChoice.parse(FIELD, text, values());
  }
}
