package dev.mmel.model.config;

/**
 * How text is normalised before the CLIP tokenizer splits it into words. The two tokenizers CLIP
 * models are trained with disagree on real text (curly quotes, HTML entities, ligatures), so the
 * choice is part of the model config.
 */
public enum TextNormalization implements ConfigChoice {
  /**
   * Hugging Face's fast CLIP tokenizer, which the reference MMoE code uses: NFC, whitespace runs
   * to one space, lower case; nothing else is fixed.
   */
  HF_FAST("hf_fast"),
  /**
   * OpenAI's CLIP tokenizer: ftfy's character fixes, HTML unescaping, whitespace collapsing and
   * lower case. What mmel did before the choice was recorded.
   */
  OPENAI_FTFY("openai_ftfy");

  /** The config field that holds this choice. */
  public static final String FIELD = "preprocessing.text";

  private final String id;

  TextNormalization(String id) {
    this.id = id;
  }

  @Override
  public String id() {
    return id;
  }

  /** @throws IllegalArgumentException naming {@link #FIELD} and the allowed values */
  public static TextNormalization parse(String text) {
    return ConfigChoice.parse(FIELD, text, values());
  }
}
