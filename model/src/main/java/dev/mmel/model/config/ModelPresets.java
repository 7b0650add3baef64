package dev.mmel.model.config;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Named model sizes: the real CLIP ViT-B/32 backbone, and a tiny one for tests and demos. Both are
 * MMoE models, so both prepare their inputs as the reference MMoE code does.
 */
public final class ModelPresets {
  public static final String CLIP_VIT_BASE_PATCH32 = "clip-vit-base-patch32";
  public static final String TINY = "tiny";

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
    return Map.copyOf(presets);
  }

  public static Set<String> names() {
    return Set.of(CLIP_VIT_BASE_PATCH32, TINY);
  }

  public static ModelConfig get(String name) {
    ModelConfig config = PRESETS.get(name);
    if (config == null) {
      throw new IllegalArgumentException("no model preset named '" + name + "'; presets: "
          + CLIP_VIT_BASE_PATCH32 + ", " + TINY + " (or pass a JSON config file)");
    }
    return config;
  }
}
