package dev.mmel.model.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/** Text tower kinds and text-only models in config.json: round trips and every refusal. */
class TextTowerConfigJsonTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void everyPresetRoundTrips() {
    for (String name : ModelPresets.names()) {
      ModelConfig preset = ModelPresets.get(name);
      assertEquals(preset, ModelConfigJson.fromJson(ModelConfigJson.toTree(preset)), name);
    }
  }

  @Test
  void bertPresetRecordsKindTokenizerAndNoVision() {
    ObjectNode tree = ModelConfigJson.toTree(ModelPresets.get(ModelPresets.BGE_SMALL_EN_V15));
    assertEquals("bert", tree.get("text").get("kind").asText());
    assertEquals("wordpiece", tree.get("text").get("tokenizer").asText());
    assertEquals(1e-12, tree.get("text").get("layer_norm_eps").asDouble());
    assertTrue(tree.get("vision").isNull());
    ModelConfig read = ModelConfigJson.fromJson(tree);
    assertNull(read.vision());
    assertEquals(TokenizerKind.WORDPIECE, read.text().tokenizer());
    assertEquals(50, read.imagePositions());
    assertEquals(96, read.matcherInputs().imageClsWidth());
    assertEquals(384 + 3 * 96, read.retrievalDim());
  }

  @Test
  void configsWrittenBeforeTextKindsReadAsClip() {
    ObjectNode tree = ModelConfigJson.toTree(ModelPresets.get(ModelPresets.TINY));
    ((ObjectNode) tree.get("text")).remove("kind");
    ((ObjectNode) tree.get("text")).remove("tokenizer");
    ModelConfig read = ModelConfigJson.fromJson(tree);
    assertEquals(TextTowerKind.CLIP, read.text().kind());
    assertEquals(ModelPresets.get(ModelPresets.TINY), read);
  }

  @Test
  void refusalsNameTheFieldAndTheLimit() {
    assertEquals("unknown field 'text.type_vocab_size'; allowed: activation, heads, "
        + "intermediate_size, kind, layers, max_positions, tokenizer, vocab_size, width",
        refusal(ModelPresets.TINY, tree -> text(tree).put("type_vocab_size", 2)));
    assertEquals("text.tokenizer must be 'wordpiece' for text.kind 'bert' (its graph reads that "
        + "tokenizer's ids), got 'clip_bpe'",
        refusal(ModelPresets.TINY_BERT, tree -> text(tree).put("tokenizer", "clip_bpe")));
    assertEquals("text.kind 'gpt' is unknown; use one of clip, bert",
        refusal(ModelPresets.TINY_BERT, tree -> text(tree).put("kind", "gpt")));
    assertEquals("missing field 'text.layer_norm_eps'",
        refusal(ModelPresets.TINY_BERT, tree -> text(tree).remove("layer_norm_eps")));
    assertEquals("text.layer_norm_eps must be in (0, 1), got 0.0",
        refusal(ModelPresets.TINY_BERT, tree -> text(tree).put("layer_norm_eps", 0.0)));
    assertEquals("text.type_vocab_size must be > 0, got 0",
        refusal(ModelPresets.TINY_BERT, tree -> text(tree).put("type_vocab_size", 0)));
    assertEquals("context_length must be <= 512, got 600",
        refusal(ModelPresets.TINY_BERT, tree -> tree.put("context_length", 600)));
    assertEquals("text.width (32) must equal projection_dim (48): the matcher stacks the text "
        + "CLS with the text token states",
        refusal(ModelPresets.TINY_BERT, tree -> tree.put("projection_dim", 48)));
    assertEquals("missing field 'vision' (an object, or null for a text-only model)",
        refusal(ModelPresets.TINY_BERT, tree -> tree.remove("vision")));
  }

  private static ObjectNode text(ObjectNode tree) {
    return (ObjectNode) tree.get("text");
  }

  private static String refusal(String preset, java.util.function.Consumer<ObjectNode> edit) {
    ObjectNode tree = ModelConfigJson.toTree(ModelPresets.get(preset)).deepCopy();
    edit.accept(tree);
    return assertThrows(IllegalArgumentException.class, () -> ModelConfigJson.fromJson(tree))
        .getMessage();
  }
}
