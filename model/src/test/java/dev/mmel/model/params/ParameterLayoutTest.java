package dev.mmel.model.params;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmel.model.config.GateMode;
import dev.mmel.model.config.ModelConfig;
import dev.mmel.model.config.ModelPresets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ParameterLayoutTest {

  /**
   * Hugging Face's CLIPModel for openai/clip-vit-base-patch32 has 151,277,313 parameters:
   * text 63,165,952 (token 49408x512, positions 77x512, 12 layers of 3,152,384, final LN 1,024),
   * vision 87,456,000 (class 768, patch 768x3x32x32, positions 50x768, pre/post LN 1,536 each,
   * 12 layers of 7,087,872), projections 512x512 + 512x768, and logit_scale 1.
   */
  @Test
  void clipBaseBackboneHasHuggingFaceParameterCount() {
    Map<ParameterGroup, Long> counts =
        ParameterLayout.of(ModelPresets.get(ModelPresets.CLIP_VIT_BASE_PATCH32)).countsByGroup();
    assertEquals(151_277_313L, counts.get(ParameterGroup.BACKBONE));
    assertEquals(512L * 96 + 96 + 768L * 96 + 96, counts.get(ParameterGroup.PROJECTIONS));
    // Spec 1 says "about 5.7 M" for the matcher.
    assertEquals(5_703_533L, counts.get(ParameterGroup.MATCHER));
    assertEquals(0L, counts.get(ParameterGroup.GATE_STATISTICS));
  }

  /**
   * bge-small-en-v1.5 (Hugging Face BertModel) has 33,360,000 parameters; without its pooler
   * (384x384 + 384, unused: the tower pools [CLS]) 33,212,160: words 30522x384, positions
   * 512x384, token types 2x384, embedding LN 768, 12 layers of 1,774,464. A text-only model has
   * no CLIP vision tower, projections or logit_scale; its image projections are d -> d.
   */
  @Test
  void bgeSmallBackboneHasHuggingFaceParameterCountWithoutPooler() {
    ParameterLayout layout = ParameterLayout.of(ModelPresets.get(ModelPresets.BGE_SMALL_EN_V15));
    Map<ParameterGroup, Long> counts = layout.countsByGroup();
    assertEquals(33_360_000L - (384L * 384 + 384), counts.get(ParameterGroup.BACKBONE));
    assertEquals(2 * (96L * 96 + 96), counts.get(ParameterGroup.PROJECTIONS));
    assertEquals("[1536, 384]",
        layout.spec("encoder.bert.encoder.layer.11.intermediate.dense.weight").shapeText());
    assertEquals("[2, 384]",
        layout.spec("encoder.bert.embeddings.token_type_embeddings.weight").shapeText());
    assertTrue(layout.specs().stream().noneMatch(s -> s.name().startsWith(ParameterNames.CLIP)));
  }

  @Test
  void faithfulModeAddsOneFrozenMeanPerGateSite() {
    ModelConfig tiny = ModelPresets.get(ModelPresets.TINY);
    ParameterLayout layout =
        ParameterLayout.of(tiny.withMatcher(tiny.matcher().withGateMode(GateMode.FAITHFUL)));
    for (GateSite site : GateSite.values()) {
      assertEquals("[51, 4]", layout.spec(site.parameterName()).shapeText());
    }
    assertEquals(GateSite.values().length * 51L * 4,
        layout.countsByGroup().get(ParameterGroup.GATE_STATISTICS));
  }

  @Test
  void namesFollowTheReferenceCheckpoint() {
    ParameterLayout layout = ParameterLayout.of(ModelPresets.get(ModelPresets.TINY));
    for (String name : new String[] {
        "encoder.clip.text_model.embeddings.token_embedding.weight",
        "encoder.clip.text_model.encoder.layers.1.self_attn.out_proj.bias",
        "encoder.clip.vision_model.pre_layrnorm.weight",
        "encoder.clip.visual_projection.weight",
        "encoder.image_tokens_fc.weight",
        "matcher.text_module.moe_layer.gate.w_gate.weight",
        "matcher.cross_module.moe_layer.experts.3.ff.2.bias",
        "matcher.vision_module.moe_layer.experts.0.ff.0.0.weight",
        "matcher.cross_module.gate_layer_norm.bias"}) {
      assertTrue(layout.contains(name), name);
    }
    // Experts widen 4x: Linear(32 -> 128) -> GELU -> Linear(128 -> 16), stored [out, in].
    assertEquals("[128, 32]",
        layout.spec("matcher.text_module.moe_layer.experts.0.ff.0.0.weight").shapeText());
    assertEquals("[16, 128]",
        layout.spec("matcher.text_module.moe_layer.experts.0.ff.2.weight").shapeText());
  }
}
