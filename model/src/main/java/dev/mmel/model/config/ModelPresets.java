package dev.mmel.model.config;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Named model sizes: the real CLIP ViT-B/32 backbone and a tiny one for tests and demos; the real
 * bge-small-en-v1.5 BERT text tower (text only) and a tiny BERT for tests. All are MMoE models,
 * so all prepare their inputs as the reference MMoE code does.
 */
public final class ModelPresets {
  public static final String CLIP_VIT_BASE_PATCH32 = "clip-vit-base-patch32";
  public static final String TINY = "tiny";
  public static final String BGE_SMALL_EN_V15 = "bge-small-en-v1.5";
  public static final String TINY_BERT = "tiny-bert";

  /** bge-small's WordPiece vocabulary; the tiny BERT keeps it so the real tokenizer's ids fit. */
  private static final int WORDPIECE_VOCAB = 30522;

  private static final Map<String, ModelConfig> PRESETS = build();

  private ModelPresets() {}

  private static Map<String, ModelConfig> build() {
    Map<String, ModelConfig> presets = new LinkedHashMap<>();
    presets.put(CLIP_VIT_BASE_PATCH32, new ModelConfig(
        CLIP_VIT_BASE_PATCH32,
        new ClipTextConfig(49408, 512, 12, 8, 2048, 77, Activation.QUICK_GELU),
        new ClipVisionConfig(224, 32, 768, 12, 12, 3072, Activation.QUICK_GELU),
        512, 50, 1e-5,
        new MatcherConfig(96, 4, 3, GateMode.PER_TOKEN, 32),
        InputPreprocessing.REFERENCE));
    presets.put(TINY, new ModelConfig(
        TINY,
        new ClipTextConfig(49408, 32, 2, 4, 64, 77, Activation.QUICK_GELU),
        new ClipVisionConfig(224, 32, 48, 2, 4, 96, Activation.QUICK_GELU),
        32, 50, 1e-5,
        new MatcherConfig(16, 4, 2, GateMode.PER_TOKEN, 32),
        InputPreprocessing.REFERENCE));
    presets.put(BGE_SMALL_EN_V15, new ModelConfig(
        BGE_SMALL_EN_V15,
        new BertTextConfig(WORDPIECE_VOCAB, 384, 12, 12, 1536, 512, 2, Activation.GELU, 1e-12),
        null,
        384, 50, 1e-5,
        new MatcherConfig(96, 4, 3, GateMode.PER_TOKEN, 32),
        InputPreprocessing.REFERENCE));
    presets.put(TINY_BERT, new ModelConfig(
        TINY_BERT,
        new BertTextConfig(WORDPIECE_VOCAB, 32, 2, 4, 64, 512, 2, Activation.GELU, 1e-12),
        null,
        32, 50, 1e-5,
        new MatcherConfig(16, 4, 2, GateMode.PER_TOKEN, 32),
        InputPreprocessing.REFERENCE));
    return Map.copyOf(presets);
  }

  public static Set<String> names() {
    return Set.of(CLIP_VIT_BASE_PATCH32, TINY, BGE_SMALL_EN_V15, TINY_BERT);
  }

  public static ModelConfig get(String name) {
    ModelConfig config = PRESETS.get(name);
    if (config == null) {
      throw new IllegalArgumentException("no model preset named '" + name + "'; presets: "
          + String.join(", ", CLIP_VIT_BASE_PATCH32, TINY, BGE_SMALL_EN_V15, TINY_BERT)
          + " (or pass a JSON config file)");
    }
    return config;
  }
}
