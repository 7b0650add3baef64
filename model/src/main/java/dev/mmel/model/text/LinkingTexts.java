package dev.mmel.model.text;

/**
 * The model's text inputs (spec section 2). Indexing, serving, training and evaluation must build
 * them identically, or entity vectors and mention vectors stop matching.
 */
public final class LinkingTexts {
  /** Plain text to the CLIP tokenizer, not a special token. */
  public static final String SEPARATOR = " [SEP] ";

  private LinkingTexts() {}

  /** {@code mention [SEP] sentence [SEP] desc}; desc is the DME description, empty if none. */
  public static String mention(String surface, String sentence, String description) {
    return surface + SEPARATOR + sentence + SEPARATOR + (description == null ? "" : description);
  }

  /** {@code entity_name [SEP] entity_description}. */
  public static String entity(String name, String description) {
    return name + SEPARATOR + (description == null ? "" : description);
  }
}
