package dev.mmel.core;

/**
 * A mention as a linking model reads it (spec section 2): its surface text, the sentence it
 * appears in, the DME description appended to it (empty when DME chose none), and its image.
 */
public record MentionInput(String mention, String sentence, String description,
    ImageInput image) {
  public MentionInput {
    if (mention == null || mention.isBlank()) {
      throw new IllegalArgumentException("mention must not be empty");
    }
    sentence = sentence == null ? "" : sentence;
    description = description == null ? "" : description;
    image = image == null ? ImageInput.none() : image;
  }

  public MentionInput withDescription(String newDescription) {
    return new MentionInput(mention, sentence, newDescription, image);
  }
}
