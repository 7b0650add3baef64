package dev.mmel.model.data;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One mention with its gold entity, as training and evaluation consume it. A sample (one sentence
 * and image) with several mentions yields one of these per mention, all with its {@code sampleId}.
 * {@code description} is the mention's DME description, "" if none. {@code imagePath} is null
 * when there is no image: none given, or the file given is missing (then the reader counted it).
 */
public record LabelledMention(String sampleId, String mention, String sentence, String description,
    String answerQid, Path imagePath) {
  public LabelledMention {
    Objects.requireNonNull(sampleId, "sampleId");
    Objects.requireNonNull(mention, "mention");
    Objects.requireNonNull(sentence, "sentence");
    Objects.requireNonNull(answerQid, "answerQid");
    description = description == null ? "" : description;
  }
}
