package dev.mmel.model.io;

import dev.mmel.model.params.ParameterNames;
import dev.mmel.model.params.ParameterSpec;
import java.util.Locale;
import java.util.Set;

/**
 * How a new matcher's weights start. {@link #DUAL_ENCODER} zeroes the gain and bias of the three
 * LayerNorms that end the matcher's residual branches (the text and vision units' context
 * LayerNorms, and InterMoE's gate LayerNorm): g2l and the cross-modal vectors are then 0, the
 * image terms of a text-only model constant, so S = g2g_text / 6 + a constant, and an untrained
 * model ranks exactly as the dual encoder LN(t_cls_m) . LN(t_cls_e) (the correlation of the
 * backbone's pooled vectors) does. Training grows the branches from there (their gains get a
 * gradient from the first step).
 */
public enum MatcherStart {
  /** Every matcher parameter drawn at random (the reference's initialisation). */
  RANDOM,
  /** Random, but the residual branches closed: an untrained model is a dual encoder. */
  DUAL_ENCODER;

  private static final Set<String> BRANCH_ENDS = Set.of(
      ParameterNames.TEXT_UNIT + "layer_norm.weight",
      ParameterNames.TEXT_UNIT + "layer_norm.bias",
      ParameterNames.VISION_UNIT + "layer_norm.weight",
      ParameterNames.VISION_UNIT + "layer_norm.bias",
      ParameterNames.CROSS_UNIT + "gate_layer_norm.weight",
      ParameterNames.CROSS_UNIT + "gate_layer_norm.bias");

  /** The starting values of a parameter no checkpoint gives. */
  public float[] initial(ParameterSpec spec, long seed) {
    if (this == DUAL_ENCODER && BRANCH_ENDS.contains(spec.name())) {
      return new float[Math.toIntExact(spec.size())];
    }
    return RandomWeights.values(spec, seed);
  }

  public String id() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** By {@link #id()} (case and - or _ alike). */
  public static MatcherStart parse(String id) {
    for (MatcherStart start : values()) {
      if (start.id().equals(id.trim().toLowerCase(Locale.ROOT).replace('_', '-'))) {
        return start;
      }
    }
    throw new IllegalArgumentException("unknown matcher start '" + id + "'; use random or "
        + "dual-encoder");
  }
}
