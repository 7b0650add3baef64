package dev.mmel.model.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmel.model.io.ModelVersion;
import org.junit.jupiter.api.Test;

class ModelConfigJsonTest {
  private static final ModelConfig TINY = ModelPresets.get(ModelPresets.TINY);

  private static ObjectNode tree(ModelConfig config) {
    return ModelConfigJson.toTree(config);
  }

  private static IllegalArgumentException rejected(ObjectNode tree) {
    return assertThrows(IllegalArgumentException.class, () -> ModelConfigJson.fromJson(tree));
  }

  @Test
  void presetsPrepareInputsAsTheReferenceDoes() {
    for (String name : ModelPresets.names()) {
      assertEquals(InputPreprocessing.REFERENCE, ModelPresets.get(name).preprocessing(), name);
    }
    assertEquals(ImagePreprocessing.REFERENCE_LANCZOS, InputPreprocessing.REFERENCE.image());
    assertEquals(TextNormalization.HF_FAST, InputPreprocessing.REFERENCE.text());
  }

  @Test
  void everyChoiceIsWrittenAndReadBack() throws Exception {
    for (ImagePreprocessing image : ImagePreprocessing.values()) {
      for (TextNormalization text : TextNormalization.values()) {
        ModelConfig config = TINY.withPreprocessing(new InputPreprocessing(image, text));
        String json = ModelConfigJson.toJson(config);

        assertEquals(config, ModelConfigJson.fromJson(new ObjectMapper().readTree(json)));
        assertTrue(json.contains("\"image\" : \"" + image.id() + "\""), json);
        assertTrue(json.contains("\"text\" : \"" + text.id() + "\""), json);
      }
    }
  }

  @Test
  void aConfigWrittenBeforeTheKeyMeansWhatMmelDidThen() {
    ObjectNode old = tree(TINY);
    old.remove("preprocessing");

    ModelConfig read = ModelConfigJson.fromJson(old);

    assertEquals(InputPreprocessing.UNRECORDED, read.preprocessing());
    assertEquals(ImagePreprocessing.DIRECT_BICUBIC, read.preprocessing().image());
    assertEquals(TextNormalization.OPENAI_FTFY, read.preprocessing().text());
  }

  @Test
  void theVersionIdTellsThePreprocessingApart() {
    String weights = "0".repeat(64);
    assertNotEquals(ModelVersion.of(TINY, weights),
        ModelVersion.of(TINY.withPreprocessing(InputPreprocessing.UNRECORDED), weights));
    assertNotEquals(ModelVersion.of(TINY, weights), ModelVersion.of(TINY.withPreprocessing(
        new InputPreprocessing(ImagePreprocessing.CLIP_BICUBIC_CROP, TextNormalization.HF_FAST)),
        weights));
  }

  @Test
  void unknownValuesAreRejectedNamingTheFieldAndTheAllowedValues() {
    ObjectNode badImage = tree(TINY);
    ((ObjectNode) badImage.get("preprocessing")).put("image", "lanczos");
    assertEquals("preprocessing.image must be one of reference_lanczos, clip_bicubic_crop, "
        + "direct_bicubic; got 'lanczos'", rejected(badImage).getMessage());

    ObjectNode badText = tree(TINY);
    ((ObjectNode) badText.get("preprocessing")).put("text", "ftfy");
    assertEquals("preprocessing.text must be one of hf_fast, openai_ftfy; got 'ftfy'",
        rejected(badText).getMessage());
  }

  @Test
  void aPresentPreprocessingObjectMustBeComplete() {
    ObjectNode missing = tree(TINY);
    ((ObjectNode) missing.get("preprocessing")).remove("text");
    assertEquals("missing field 'preprocessing.text'", rejected(missing).getMessage());

    ObjectNode extra = tree(TINY);
    ((ObjectNode) extra.get("preprocessing")).put("crop", true);
    assertTrue(rejected(extra).getMessage().startsWith("unknown field 'preprocessing.crop'"));

    ObjectNode notAnObject = tree(TINY);
    notAnObject.put("preprocessing", "reference");
    assertEquals("preprocessing must be a JSON object", rejected(notAnObject).getMessage());
  }
}
